import { sql } from 'drizzle-orm';

/** A uuid[] literal built from parameters (drizzle expands a bare array into a list, not an array). */
export function uuidArray(ids: string[]) {
  return sql`array[${sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  )}]::uuid[]`;
}
