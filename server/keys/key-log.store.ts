import { and, asc, desc, eq, lte, sql } from 'drizzle-orm';
import type { Database } from '../db';
import { keyLogHeads, keyLogLeaves, serverSecrets } from '../db/schema';

export type LeafRow = typeof keyLogLeaves.$inferSelect;
export type HeadRow = typeof keyLogHeads.$inferSelect;

// Same key in every process: appends to the key log are serialised across the installation.
const KEY_LOG_LOCK_KEY = 0x4b45_594c;

export async function lockKeyLog(tx: Database): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${KEY_LOG_LOCK_KEY})`);
}

/** Leaf hashes (hex) of the first `size` leaves, in order (all of them when size is omitted). */
export async function leafHashes(db: Database, size?: number): Promise<string[]> {
  const rows = await db
    .select({ leafHash: keyLogLeaves.leafHash })
    .from(keyLogLeaves)
    .where(size === undefined ? undefined : sql`${keyLogLeaves.seq} < ${size}`)
    .orderBy(asc(keyLogLeaves.seq));
  return rows.map((r) => r.leafHash);
}

export async function insertLeaf(db: Database, values: typeof keyLogLeaves.$inferInsert): Promise<void> {
  await db.insert(keyLogLeaves).values(values);
}

export async function insertHead(db: Database, values: typeof keyLogHeads.$inferInsert): Promise<void> {
  await db.insert(keyLogHeads).values(values);
}

export async function latestHead(db: Database): Promise<HeadRow | undefined> {
  const [row] = await db.select().from(keyLogHeads).orderBy(desc(keyLogHeads.treeSize)).limit(1);
  return row;
}

export async function headOfSize(db: Database, size: number): Promise<HeadRow | undefined> {
  const [row] = await db.select().from(keyLogHeads).where(eq(keyLogHeads.treeSize, size));
  return row;
}

/** The user's newest leaf within the first `size` leaves. */
export async function latestLeafOf(db: Database, userId: string, size: number): Promise<LeafRow | undefined> {
  const [row] = await db
    .select()
    .from(keyLogLeaves)
    .where(and(eq(keyLogLeaves.userId, userId), lte(keyLogLeaves.seq, size - 1)))
    .orderBy(desc(keyLogLeaves.seq))
    .limit(1);
  return row;
}

/** Reads a named secret, creating it with `make()` the first time (safe when processes race). */
export async function serverSecret(db: Database, name: string, make: () => string): Promise<string> {
  await db.insert(serverSecrets).values({ name, value: make() }).onConflictDoNothing();
  const [row] = await db.select().from(serverSecrets).where(eq(serverSecrets.name, name));
  if (!row) throw new Error(`server secret ${name} could not be stored`);
  return row.value;
}
