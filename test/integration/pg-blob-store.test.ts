import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgBlobStore } from '../../server/attachments/pg-blob-store';
import { openDatabase, type DatabaseHandle } from '../../server/db';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * The chunk store on both databases Haven opens: PostgreSQL, where it writes and reads by binary
 * COPY, and embedded PGlite, where it falls back to ordinary statements. The same bytes in and
 * out on each, in several stored pieces.
 */
let dataDir = '';
let pglite: DatabaseHandle;
let postgres: TestDatabase;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'haven-blob-'));
  pglite = await openDatabase({ dataDir });
  postgres = await createTestDatabase();
}, 120_000);
afterAll(async () => {
  await pglite?.close();
  await postgres?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe.each([
  ['PGlite', () => pglite.db],
  ['PostgreSQL', () => postgres.handle.db],
])('the PostgreSQL chunk store on %s', (_name, dbOf) => {
  it('stores pieces at their offsets and reads back exactly those bytes, in order', async () => {
    const db = dbOf();
    const store = pgBlobStore();
    const id = randomUUID();
    const pieces = [randomBytes(70_000), randomBytes(1), randomBytes(200_000)];
    await db.transaction(async (tx) => {
      // Only the store is under test here: its row's foreign key to an upload is switched off for this transaction.
      await tx.execute(sql`set local session_replication_role = replica`);
      let offset = 0;
      for (const piece of pieces) {
        await store.write(tx, id, offset, piece);
        offset += piece.length;
      }
    });
    const read: Buffer[] = [];
    const size = pieces.reduce((n, p) => n + p.length, 0);
    for await (const piece of store.read(db, id, size)) read.push(Buffer.from(piece));
    expect(Buffer.concat(read).equals(Buffer.concat(pieces))).toBe(true);
    // Asked for more than is stored: refused, not padded.
    await expect(async () => {
      for await (const piece of store.read(db, id, size + 1)) void piece;
    }).rejects.toThrow(/missing/);
    await db.transaction((tx) => store.remove(tx, [id]));
    await expect(async () => {
      for await (const piece of store.read(db, id, size)) void piece;
    }).rejects.toThrow(/missing/);
  });
});
