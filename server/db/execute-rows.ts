import { createHash } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
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

const dialect = new PgDialect();

/**
 * The same as `executeRows`, as a named statement that PostgreSQL parses and plans once per
 * connection: for a statement of a fixed shape on the hot path (the one-statement commit of
 * messages), whose text is long and whose values all travel as parameters. Each distinct text
 * gets a name of its own (`name` and a digest of the text), as node-postgres requires. On PGlite,
 * or inside a transaction, it runs as `executeRows` does.
 */
export async function executeRowsPrepared<Row>(db: Database, name: string, query: SQL): Promise<Row[]> {
  const pool: unknown = (db as unknown as { $client?: unknown }).$client;
  if (!(pool instanceof pg.Pool)) return executeRows(db, query);
  const { sql: text, params } = dialect.sqlToQuery(query);
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const result = await pool.query({ name: `${name}_${digest}`, text, values: params });
  return result.rows as Row[];
}
