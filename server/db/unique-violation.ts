import { ConflictError } from '../errors';

/** SQLSTATEs of a unique and a foreign-key violation, from PostgreSQL and from PGlite alike. */
const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';

/** Whether `error`, or an error it wraps (drizzle wraps the driver's error in `cause`), has this SQLSTATE. */
function hasSqlState(error: unknown, code: string): boolean {
  for (let current: unknown = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    if ((current as { code?: unknown }).code === code) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

export function isUniqueViolation(error: unknown): boolean {
  return hasSqlState(error, UNIQUE_VIOLATION);
}

/** A row written for a parent that a concurrent transaction deleted (after this one checked it was there). */
export function isForeignKeyViolation(error: unknown): boolean {
  return hasSqlState(error, FOREIGN_KEY_VIOLATION);
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
