import type { SQL } from 'drizzle-orm';
import type { Database } from './database';

/**
 * Runs a raw statement and returns its rows, for what drizzle's builders cannot say (a DELETE …
 * USING that returns a column of the joined table). Both drivers (node-postgres and PGlite)
 * answer with `{ rows }`; the caller names the row type its SQL selects.
 */
export async function executeRows<Row>(db: Database, query: SQL): Promise<Row[]> {
  const result: unknown = await db.execute(query);
  return (result as { rows: Row[] }).rows;
}
