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

/**
 * Whether the database still holds a key log signing seed, as installations did before issue 17
 * (server_secrets 'key_log_seed'). Such a seed is readable by whoever has the database or a backup
 * of it, so the server refuses to start while it is there (server/trust-roots/start-check.ts).
 */
export async function keyLogSeedInDatabase(db: Database): Promise<boolean> {
  const rows = await db.select({ name: serverSecrets.name }).from(serverSecrets).where(eq(serverSecrets.name, 'key_log_seed'));
  return rows.length > 0;
}
