import { sql } from 'drizzle-orm';

/** A uuid[] literal built from parameters (drizzle expands a bare array into a list, not an array). */
export function uuidArray(ids: string[]) {
  return sql`array[${sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  )}]::uuid[]`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The ids that are uuids. A lookup for many callers at once drops the others first: they match
 * no row, and one caller's malformed id must not fail the query for everyone else's.
 */
export function onlyUuids(ids: string[]): string[] {
  return ids.filter((id) => UUID.test(id));
}
