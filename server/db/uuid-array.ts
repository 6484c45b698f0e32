import { sql, type AnyColumn, type SQL } from 'drizzle-orm';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` is a uuid in its text form (nothing else may be spliced into SQL as one). */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}

/** An array literal of uuids (only ever ids checked with `onlyUuids` or read from the database). */
export function uuidArrayLiteral(ids: string[]): string {
  return `{${ids.join(',')}}`;
}

/**
 * A uuid[] bound as one parameter (an array literal), however many ids: drizzle would expand a
 * bare array into a parameter per id, and a retention batch of 500 children then costs
 * PostgreSQL a bind of 500 parameters in every statement, and drizzle as much work to build it.
 * Only ever given ids read from the database or checked with `onlyUuids`.
 */
export function uuidArray(ids: string[]): SQL {
  return sql`${uuidArrayLiteral(ids)}::uuid[]`;
}

/** `column = any(ids)`, with the ids as one parameter (see `uuidArray`); btree indexes serve it. */
export function inUuids(column: AnyColumn | SQL, ids: string[]): SQL {
  return sql`${column} = any(${uuidArray(ids)})`;
}

/**
 * The ids that are uuids. A lookup for many callers at once drops the others first: they match
 * no row, and one caller's malformed id must not fail the query for everyone else's.
 */
export function onlyUuids(ids: string[]): string[] {
  return ids.filter(isUuid);
}
