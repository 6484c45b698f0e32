import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { is } from 'drizzle-orm';
import { NodePgTransaction } from 'drizzle-orm/node-postgres';
import { PgliteTransaction } from 'drizzle-orm/pglite';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { Database } from './database';

/**
 * Streams `COPY (…) TO STDOUT` from PostgreSQL on a pooled connection of its own, with
 * backpressure (the connection is not read while the consumer is behind). Null under PGlite,
 * whose driver has no COPY streaming, and when COPY_OUT_AT_ONCE streams are already running: the
 * caller then reads with ordinary queries. The stream holds its connection until it ends, so a
 * reader that stops reading (a slow or stalled download) holds it too; the cap keeps such readers
 * from taking the pool every other request needs. Iterate the result at once: its slot is taken
 * now and given back when the iteration ends.
 *
 * COPY takes no parameters: `statement` must be built from constants and values checked to be
 * safe where they are spliced in (see the caller).
 */
export function copyOut(db: Database, statement: string): AsyncIterable<Buffer> | null {
  const client: unknown = (db as unknown as { $client?: unknown }).$client;
  if (!(client instanceof pg.Pool)) return null;
  const running = copiesOutOf.get(client) ?? 0;
  if (running >= COPY_OUT_AT_ONCE) return null;
  copiesOutOf.set(client, running + 1);
  return streamCopy(client, statement, () => copiesOutOf.set(client, (copiesOutOf.get(client) ?? 1) - 1));
}

/** At most this many COPY streams per pool at once (the pool has ten connections). */
export const COPY_OUT_AT_ONCE = 2;
const copiesOutOf = new WeakMap<pg.Pool, number>();

/**
 * How far PostgreSQL may run ahead of the consumer: a megabyte keeps it sending while the client
 * decrypts, where the stream default (16 KiB) paused the connection every few packets.
 */
const COPY_BUFFER_BYTES = 1024 * 1024;

async function* streamCopy(pool: pg.Pool, statement: string, done: () => void): AsyncIterable<Buffer> {
  let connection: pg.PoolClient | undefined;
  let finished = false;
  try {
    connection = await pool.connect();
    const stream: Readable = connection.query(copyTo(statement, { highWaterMark: COPY_BUFFER_BYTES }));
    for await (const piece of stream as AsyncIterable<Buffer>) yield piece;
    finished = true;
  } finally {
    // A connection left in the middle of a COPY cannot serve anyone else: it is closed, not pooled.
    connection?.release(finished ? undefined : new Error('COPY abandoned'));
    done();
  }
}

/**
 * Runs `COPY … FROM STDIN` inside the transaction `tx`, writing `pieces` to PostgreSQL as they are
 * (no copy of them is made). False under PGlite, whose driver has no COPY streaming: the caller
 * then stores with an ordinary statement. The same rule on `statement` as for copyOut.
 */
export async function copyIn(tx: Database, statement: string, pieces: Uint8Array[]): Promise<boolean> {
  if (is(tx, PgliteTransaction)) return false;
  const stream = transactionClient(tx).query(copyFrom(statement));
  for (const piece of pieces) stream.write(piece);
  stream.end();
  await finished(stream);
  return true;
}

/**
 * The connection a node-postgres transaction runs on. drizzle keeps it as its session's client
 * (not a public API): anything else is refused loudly, so a change in drizzle shows as a failing
 * upload, not as a silent switch of paths.
 */
function transactionClient(tx: Database): pg.ClientBase {
  const client: unknown = is(tx, NodePgTransaction) ? (tx as unknown as { session?: { client?: unknown } }).session?.client : undefined;
  if (client instanceof pg.Client) return client;
  throw new Error('COPY needs a transaction on a PostgreSQL or PGlite connection');
}
