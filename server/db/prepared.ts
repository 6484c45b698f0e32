import { sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { coalescedRows } from './coalesce';
import type { Database } from './database';
import { onlyUuids, uuidArrayLiteral } from './uuid-array';

/**
 * A statement prepared once per database handle and reused: drizzle builds its SQL once, and
 * PostgreSQL parses it once per connection (a named statement). For the lookups every send
 * makes, where building the query cost more than running it. Only for plain handles: a
 * transaction's handle would prepare afresh each time (still correct, no faster).
 */
export function preparedFor<Prepared>(prepare: (db: Database) => Prepared): (db: Database) => Prepared {
  const prepared = new WeakMap<Database, Prepared>();
  return (db) => {
    let statement = prepared.get(db);
    if (!statement) {
      statement = prepare(db);
      prepared.set(db, statement);
    }
    return statement;
  };
}

/** A prepared statement that takes its ids as the `ids` placeholder (`anyUuidPlaceholder(column, 'ids')`). */
interface ByIds<Row> {
  execute(values: { ids: string }): Promise<Row[]>;
}

/**
 * A lookup of rows by uuid for the reads every send makes: its statement prepared once per handle
 * (`preparedFor`), concurrent callers' ids read together (`coalescedRows`), malformed ids dropped
 * first (`onlyUuids`).
 */
export function coalescedByUuids<Row>(prepare: (db: Database) => ByIds<Row>, keyOf: (row: Row) => string): (db: Database, ids: string[]) => Promise<Row[]> {
  const statement = preparedFor(prepare);
  return coalescedRows((db, ids: string[]) => statement(db).execute({ ids: uuidArrayLiteral(onlyUuids(ids)) }), keyOf);
}

/** `column = any(:name)` for a prepared statement, given `uuidArrayLiteral(ids)` as `name` when run. */
export function anyUuidPlaceholder(column: AnyColumn, name: string): SQL {
  return sql`${column} = any(${sql.placeholder(name)}::uuid[])`;
}

/** `column = any(:name)` for text values, given `textArrayLiteral(values)` as `name` when run. */
export function anyTextPlaceholder(column: AnyColumn, name: string): SQL {
  return sql`${column} = any(${sql.placeholder(name)}::text[])`;
}

/** An array literal of text values, each quoted and escaped as PostgreSQL reads them. */
export function textArrayLiteral(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}
