import { sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { Database } from './database';

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

/** `column = any(:name)` for a prepared statement, given `uuidArrayLiteral(ids)` as `name` when run. */
export function anyUuidPlaceholder(column: AnyColumn, name: string): SQL {
  return sql`${column} = any(${sql.placeholder(name)}::uuid[])`;
}

/** `column = any(:name)` for text values, given `textArrayLiteral(values)` as `name` when run. */
export function anyTextPlaceholder(column: AnyColumn, name: string): SQL {
  return sql`${column} = any(${sql.placeholder(name)}::text[])`;
}

/** An array literal of uuids (only ever ids checked with `onlyUuids` or read from the database). */
export function uuidArrayLiteral(ids: string[]): string {
  return `{${ids.join(',')}}`;
}

/** An array literal of text values, each quoted and escaped as PostgreSQL reads them. */
export function textArrayLiteral(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}
