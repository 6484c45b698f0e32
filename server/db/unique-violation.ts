import { ConflictError } from '../errors';

/** SQLSTATE of a unique violation, from PostgreSQL and from PGlite alike. */
const UNIQUE_VIOLATION = '23505';

/** Whether `error`, or an error it wraps (drizzle wraps the driver's error in `cause`), is a unique violation. */
export function isUniqueViolation(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    if ((current as { code?: unknown }).code === UNIQUE_VIOLATION) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Runs a write whose row must be unique and turns losing a race for it into a `ConflictError`
 * with the reason: checking first and inserting after leaves a gap in which a concurrent request
 * inserts the same row, and the database's constraint is what decides. Stores wrap their inserts
 * in this, so no route has to.
 */
export async function uniqueOr<T>(write: PromiseLike<T>, conflict: () => ConflictError): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict();
    throw error;
  }
}
