import { desc, eq, isNotNull, sql } from 'drizzle-orm';
import type { Database } from '../db';
import { executeRows } from '../db/execute-rows';
import { auditAnchors } from '../db/schema';

export type AnchorRow = typeof auditAnchors.$inferSelect;

/** Every anchor in the database, oldest first (a few hundred a day at most: anchors are only written when the head moved). */
export async function allAnchors(db: Database): Promise<AnchorRow[]> {
  return db.select().from(auditAnchors).orderBy(auditAnchors.seq);
}

/** Whether an anchor of this entry is stored (by this process or another, or forged: one per entry either way). */
export async function anchorExists(db: Database, seq: number): Promise<boolean> {
  const rows = await db.select({ seq: auditAnchors.seq }).from(auditAnchors).where(eq(auditAnchors.seq, seq));
  return rows.length > 0;
}

/** The newest signed anchors, newest first: enough to tell which key signs this installation's anchors. */
export async function latestSignedAnchors(db: Database, limit: number): Promise<AnchorRow[]> {
  return db.select().from(auditAnchors).where(isNotNull(auditAnchors.signature)).orderBy(desc(auditAnchors.seq)).limit(limit);
}

/**
 * Stores an anchor unless one of that entry is already stored (another process anchored the same
 * head): true when this call stored it, so only that process also appends it to its anchor file.
 */
export async function insertAnchor(
  db: Database,
  row: Required<Omit<AnchorRow, 'signature' | 'keyId'>> & { signature: string; keyId: string },
): Promise<boolean> {
  const inserted = await db.insert(auditAnchors).values(row).onConflictDoNothing().returning({ seq: auditAnchors.seq });
  return inserted.length > 0;
}

/** Whether the chain has no entries and no anchors: a new installation. */
export async function auditTrailIsEmpty(db: Database): Promise<boolean> {
  const [row] = await executeRows<{ empty: boolean }>(
    db,
    sql`select not exists (select 1 from audit_entries) and not exists (select 1 from audit_anchors) as empty`,
  );
  return row?.empty === true;
}
