import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Database } from '../db';
import { auditEntries, keyLogHeads, keyLogLeaves } from '../db/schema';
import type { HeadRow, LeafRow } from '../keys/key-log.store';

/**
 * Every head and leaf, as one snapshot: the server appends a leaf and its head in one transaction,
 * and a monitor reading between them must not take a half-written append for a problem.
 */
export async function readWholeKeyLog(db: Database): Promise<{ heads: HeadRow[]; leaves: LeafRow[] }> {
  return db.transaction(
    async (tx) => {
      const heads = await tx.select().from(keyLogHeads).orderBy(asc(keyLogHeads.treeSize));
      const leaves = await tx.select().from(keyLogLeaves).orderBy(asc(keyLogLeaves.seq));
      return { heads, leaves };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

/** Audit entries of key-log fork reports from clients (integrity.report_received), after `seq`. */
export async function forkReportsAfter(db: Database, seq: number): Promise<{ seq: number; at: Date; detail: Record<string, unknown> }[]> {
  return db
    .select({ seq: auditEntries.seq, at: auditEntries.at, detail: auditEntries.detail })
    .from(auditEntries)
    .where(and(eq(auditEntries.action, 'integrity.report_received'), sql`${auditEntries.detail} ->> 'kind' = 'key_log_fork'`, gt(auditEntries.seq, seq)))
    .orderBy(asc(auditEntries.seq));
}
