import { appendFileSync } from 'node:fs';
import { asc, desc, eq } from 'drizzle-orm';
import type { Database } from '../db';
import { auditAnchors, auditEntries } from '../db/schema';

/**
 * Records the current chain head as an anchor (in the database and, when configured, as a JSON
 * line in a file kept elsewhere — e.g. on write-once storage). Nothing is written when the head
 * has not moved since the last anchor.
 */
export async function anchorAuditHead(db: Database, at: Date, anchorFile?: string): Promise<{ seq: number; hash: string } | null> {
  const [head] = await db.select({ seq: auditEntries.seq, hash: auditEntries.hash }).from(auditEntries).orderBy(desc(auditEntries.seq)).limit(1);
  if (!head) return null;
  const [last] = await db.select().from(auditAnchors).orderBy(desc(auditAnchors.seq)).limit(1);
  if (last?.seq === head.seq) return null;
  await db.insert(auditAnchors).values({ seq: head.seq, hash: head.hash, anchoredAt: at }).onConflictDoNothing();
  if (anchorFile) appendFileSync(anchorFile, `${JSON.stringify({ seq: head.seq, hash: head.hash, at: at.toISOString() })}\n`);
  return head;
}

export interface AnchorProblem {
  seq: number;
  message: string;
}

/** Checks every anchor against the chain: a missing or different entry at an anchored position means truncation or rewriting. */
export async function checkAnchors(db: Database, anchors?: { seq: number; hash: string }[]): Promise<{ checked: number; problem?: AnchorProblem }> {
  const list = anchors ?? (await db.select({ seq: auditAnchors.seq, hash: auditAnchors.hash }).from(auditAnchors).orderBy(asc(auditAnchors.seq)));
  for (const anchor of list) {
    const [entry] = await db.select({ hash: auditEntries.hash }).from(auditEntries).where(eq(auditEntries.seq, anchor.seq));
    if (!entry) return { checked: list.length, problem: { seq: anchor.seq, message: `Entry ${anchor.seq} was anchored but is gone: the log was truncated.` } };
    if (entry.hash !== anchor.hash)
      return { checked: list.length, problem: { seq: anchor.seq, message: `Entry ${anchor.seq} differs from its anchor: the log was rewritten.` } };
  }
  return { checked: list.length };
}
