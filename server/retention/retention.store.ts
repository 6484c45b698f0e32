import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db';
import {
  adminAlerts,
  auditPrivate,
  caseOfficers,
  childTombstones,
  children,
  concernFlags,
  deliveries,
  involvements,
  legalHolds,
  messages,
  notices,
  obligations,
  retentionRuns,
  shareLog,
  shareParticipants,
  shieldOverrides,
  specialistContacts,
  subjectAccessRequests,
  threadParticipants,
  threads,
} from '../db/schema';

/**
 * Children whose records are due for destruction on `today`: past the index age (or, with a
 * special file, the later of the two ages), and under no active legal hold.
 */
export async function dueChildren(db: Database, today: string, ages: { index: number; specialFile: number }, limit: number): Promise<string[]> {
  const ageAtDestruction = sql`case
    when exists (select 1 from ${threads} t where t.child_id = "children"."id" and t.tier = 'offending_risk') then greatest(${ages.index}::int, ${ages.specialFile}::int)
    else ${ages.index}::int end`;
  const rows = await db
    .select({ id: children.id })
    .from(children)
    .where(
      and(
        sql`${children.dateOfBirth} + make_interval(years => ${ageAtDestruction}) <= ${today}::date`,
        sql`not exists (select 1 from ${legalHolds} h where h.child_id = "children"."id" and h.released_at is null)`,
      ),
    )
    .orderBy(children.dateOfBirth, children.id)
    .limit(limit);
  return rows.map((r) => r.id);
}

export async function heldChildren(db: Database, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await db
    .select({ childId: legalHolds.childId })
    .from(legalHolds)
    .where(and(inArray(legalHolds.childId, ids), isNull(legalHolds.releasedAt)));
  return rows.map((r) => r.childId);
}

/** How many records of each class a child has (what a dry run reports and a destruction removes). */
export async function recordCounts(db: Database, childId: string): Promise<Record<string, number>> {
  const count = async (query: Promise<{ n: number }[]>) => (await query)[0]?.n ?? 0;
  const n = sql<number>`count(*)::int`;
  const threadIds = db.select({ id: threads.id }).from(threads).where(eq(threads.childId, childId));
  const shareIds = db.select({ id: shareLog.id }).from(shareLog).where(eq(shareLog.childId, childId));
  return {
    indexEntry: 1,
    involvements: await count(db.select({ n }).from(involvements).where(eq(involvements.childId, childId))),
    concerns: await count(db.select({ n }).from(concernFlags).where(eq(concernFlags.childId, childId))),
    specialistContacts: await count(db.select({ n }).from(specialistContacts).where(eq(specialistContacts.childId, childId))),
    shareLogEntries: await count(db.select({ n }).from(shareLog).where(eq(shareLog.childId, childId))),
    shareParticipants: await count(db.select({ n }).from(shareParticipants).where(inArray(shareParticipants.shareId, shareIds))),
    threads: await count(db.select({ n }).from(threads).where(eq(threads.childId, childId))),
    messages: await count(db.select({ n }).from(messages).where(eq(messages.childId, childId))),
    wrappedKeyCopies: await count(
      db
        .select({ n })
        .from(deliveries)
        .where(inArray(deliveries.messageId, db.select({ id: messages.id }).from(messages).where(eq(messages.childId, childId)))),
    ),
    threadParticipants: await count(db.select({ n }).from(threadParticipants).where(inArray(threadParticipants.threadId, threadIds))),
    obligations: await count(db.select({ n }).from(obligations).where(eq(obligations.childId, childId))),
    auditPrivateDetails: await count(
      db
        .select({ n })
        .from(auditPrivate)
        .where(sql`${auditPrivate.childIds} @> array[${childId}]::uuid[]`),
    ),
  };
}

/** Everyone who holds copies of this child's messages, so their clients can be told to forget them. */
export async function readersOf(db: Database, childId: string): Promise<{ userIds: string[]; threadIds: string[] }> {
  const threadRows = await db.select({ id: threads.id }).from(threads).where(eq(threads.childId, childId));
  const threadIds = threadRows.map((t) => t.id);
  if (!threadIds.length) return { userIds: [], threadIds };
  const users = await db.selectDistinct({ userId: threadParticipants.userId }).from(threadParticipants).where(inArray(threadParticipants.threadId, threadIds));
  return { userIds: users.map((u) => u.userId), threadIds };
}

/**
 * Destroys every record about one child inside the caller's transaction, children last. The
 * immutability triggers allow deletion only when this transaction sets haven.allow_destruction.
 */
export async function destroyChild(tx: Database, childId: string): Promise<void> {
  await tx.execute(sql`set local haven.allow_destruction = 'on'`);
  const messageIds = tx.select({ id: messages.id }).from(messages).where(eq(messages.childId, childId));
  const threadIds = tx.select({ id: threads.id }).from(threads).where(eq(threads.childId, childId));
  const shareIds = tx.select({ id: shareLog.id }).from(shareLog).where(eq(shareLog.childId, childId));
  const obligationIds = tx.select({ id: obligations.id }).from(obligations).where(eq(obligations.childId, childId));
  await tx.delete(deliveries).where(inArray(deliveries.messageId, messageIds));
  await tx.delete(messages).where(eq(messages.childId, childId));
  await tx.delete(threadParticipants).where(inArray(threadParticipants.threadId, threadIds));
  await tx.delete(threads).where(eq(threads.childId, childId));
  await tx.delete(notices).where(inArray(notices.obligationId, obligationIds));
  await tx.delete(obligations).where(eq(obligations.childId, childId));
  await tx.delete(shareParticipants).where(inArray(shareParticipants.shareId, shareIds));
  await tx.delete(shareLog).where(eq(shareLog.childId, childId));
  await tx.delete(caseOfficers).where(eq(caseOfficers.childId, childId));
  await tx.delete(concernFlags).where(eq(concernFlags.childId, childId));
  await tx.delete(involvements).where(eq(involvements.childId, childId));
  await tx.delete(specialistContacts).where(eq(specialistContacts.childId, childId));
  await tx.delete(shieldOverrides).where(eq(shieldOverrides.childId, childId));
  await tx.delete(adminAlerts).where(eq(adminAlerts.childId, childId));
  await tx.delete(legalHolds).where(eq(legalHolds.childId, childId));
  await tx.delete(subjectAccessRequests).where(eq(subjectAccessRequests.childId, childId));
  await tx.delete(auditPrivate).where(sql`${auditPrivate.childIds} @> array[${childId}]::uuid[]`);
  await tx.delete(children).where(eq(children.id, childId));
}

export async function insertTombstone(tx: Database, values: typeof childTombstones.$inferInsert): Promise<void> {
  await tx.insert(childTombstones).values(values).onConflictDoNothing();
}

export async function insertRun(db: Database, values: typeof retentionRuns.$inferInsert): Promise<string> {
  const [row] = await db.insert(retentionRuns).values(values).returning({ id: retentionRuns.id });
  if (!row) throw new Error('insert returned no row');
  return row.id;
}

export async function finishRun(db: Database, id: string, at: Date, summary: Record<string, unknown>): Promise<void> {
  await db.update(retentionRuns).set({ finishedAt: at, status: 'finished', summary }).where(eq(retentionRuns.id, id));
}

/** Runs left 'running' by a crashed process are marked interrupted; the next run picks up what they left. */
export async function markInterruptedRuns(db: Database): Promise<void> {
  await db.update(retentionRuns).set({ status: 'interrupted' }).where(eq(retentionRuns.status, 'running'));
}

export async function listRuns(db: Database, limit = 50) {
  return db
    .select()
    .from(retentionRuns)
    .orderBy(sql`${retentionRuns.startedAt} desc`)
    .limit(limit);
}

export async function insertLegalHold(db: Database, values: typeof legalHolds.$inferInsert): Promise<void> {
  await db.insert(legalHolds).values(values);
}

export async function releaseLegalHolds(db: Database, childId: string, by: string, at: Date): Promise<number> {
  const rows = await db
    .update(legalHolds)
    .set({ releasedAt: at, releasedBy: by })
    .where(and(eq(legalHolds.childId, childId), isNull(legalHolds.releasedAt)))
    .returning({ id: legalHolds.id });
  return rows.length;
}
