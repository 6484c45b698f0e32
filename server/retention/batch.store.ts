import { eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db';
import {
  adminAlerts,
  auditPrivate,
  caseOfficers,
  children,
  concernFlags,
  deliveries,
  involvements,
  legalHolds,
  messages,
  notices,
  obligations,
  shareLog,
  shareParticipants,
  shieldOverrides,
  specialistContacts,
  subjectAccessRequests,
  threadParticipants,
  threads,
} from '../db/schema';

const n = sql<number>`count(*)::int`;

/** A uuid[] literal built from parameters (drizzle expands a bare array into a list, not an array). */
function uuidArray(ids: string[]) {
  return sql`array[${sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  )}]::uuid[]`;
}

/** Per-child counts of every record class, a query per class for the whole batch (GROUP BY child). */
export async function recordCountsForBatch(db: Database, childIds: string[]): Promise<Map<string, Record<string, number>>> {
  const counts = new Map<string, Record<string, number>>(childIds.map((id) => [id, { indexEntry: 1 }]));
  const add = (name: string, rows: { childId: string; n: number }[]) => {
    for (const row of rows) {
      const entry = counts.get(row.childId);
      if (entry) entry[name] = row.n;
    }
  };
  const byChild = async (
    name: string,
    table: typeof involvements | typeof concernFlags | typeof specialistContacts | typeof shareLog | typeof threads | typeof messages | typeof obligations,
  ) => {
    add(name, await db.select({ childId: table.childId, n }).from(table).where(inArray(table.childId, childIds)).groupBy(table.childId));
  };
  await byChild('involvements', involvements);
  await byChild('concerns', concernFlags);
  await byChild('specialistContacts', specialistContacts);
  await byChild('shareLogEntries', shareLog);
  await byChild('threads', threads);
  await byChild('messages', messages);
  await byChild('obligations', obligations);
  add(
    'shareParticipants',
    await db
      .select({ childId: shareLog.childId, n })
      .from(shareParticipants)
      .innerJoin(shareLog, eq(shareLog.id, shareParticipants.shareId))
      .where(inArray(shareLog.childId, childIds))
      .groupBy(shareLog.childId),
  );
  add(
    'wrappedKeyCopies',
    await db
      .select({ childId: messages.childId, n })
      .from(deliveries)
      .innerJoin(messages, eq(messages.id, deliveries.messageId))
      .where(inArray(messages.childId, childIds))
      .groupBy(messages.childId),
  );
  add(
    'threadParticipants',
    await db
      .select({ childId: threads.childId, n })
      .from(threadParticipants)
      .innerJoin(threads, eq(threads.id, threadParticipants.threadId))
      .where(inArray(threads.childId, childIds))
      .groupBy(threads.childId),
  );
  const privateRows = await db
    .select({ childId: sql<string>`c`, n })
    .from(sql`${auditPrivate}, unnest(${auditPrivate.childIds}) as c`)
    .where(sql`c = any(${uuidArray(childIds)})`)
    .groupBy(sql`c`);
  add('auditPrivateDetails', privateRows);
  // Classes a child has none of read as 0, like the single-child counts.
  for (const entry of counts.values()) {
    for (const key of [
      'involvements',
      'concerns',
      'specialistContacts',
      'shareLogEntries',
      'shareParticipants',
      'threads',
      'messages',
      'wrappedKeyCopies',
      'threadParticipants',
      'obligations',
      'auditPrivateDetails',
    ])
      entry[key] ??= 0;
  }
  return counts;
}

/** Who holds copies of each child's messages, for the whole batch. */
export async function readersForBatch(db: Database, childIds: string[]): Promise<Map<string, { userIds: string[]; threadIds: string[] }>> {
  const rows = await db
    .select({ childId: threads.childId, threadId: threads.id, userId: threadParticipants.userId })
    .from(threads)
    .innerJoin(threadParticipants, eq(threadParticipants.threadId, threads.id))
    .where(inArray(threads.childId, childIds));
  const result = new Map<string, { userIds: string[]; threadIds: string[] }>();
  for (const row of rows) {
    const entry = result.get(row.childId) ?? { userIds: [], threadIds: [] };
    if (!entry.userIds.includes(row.userId)) entry.userIds.push(row.userId);
    if (!entry.threadIds.includes(row.threadId)) entry.threadIds.push(row.threadId);
    result.set(row.childId, entry);
  }
  return result;
}

/** Destroys every record about these children in the caller's transaction, a statement per table for the whole batch. */
export async function destroyChildren(tx: Database, childIds: string[]): Promise<void> {
  await tx.execute(sql`set local haven.allow_destruction = 'on'`);
  const messageIds = tx.select({ id: messages.id }).from(messages).where(inArray(messages.childId, childIds));
  const threadIds = tx.select({ id: threads.id }).from(threads).where(inArray(threads.childId, childIds));
  const shareIds = tx.select({ id: shareLog.id }).from(shareLog).where(inArray(shareLog.childId, childIds));
  const obligationIds = tx.select({ id: obligations.id }).from(obligations).where(inArray(obligations.childId, childIds));
  await tx.delete(deliveries).where(inArray(deliveries.messageId, messageIds));
  await tx.delete(messages).where(inArray(messages.childId, childIds));
  await tx.delete(threadParticipants).where(inArray(threadParticipants.threadId, threadIds));
  await tx.delete(threads).where(inArray(threads.childId, childIds));
  await tx.delete(notices).where(inArray(notices.obligationId, obligationIds));
  await tx.delete(obligations).where(inArray(obligations.childId, childIds));
  await tx.delete(shareParticipants).where(inArray(shareParticipants.shareId, shareIds));
  await tx.delete(shareLog).where(inArray(shareLog.childId, childIds));
  await tx.delete(caseOfficers).where(inArray(caseOfficers.childId, childIds));
  await tx.delete(concernFlags).where(inArray(concernFlags.childId, childIds));
  await tx.delete(involvements).where(inArray(involvements.childId, childIds));
  await tx.delete(specialistContacts).where(inArray(specialistContacts.childId, childIds));
  await tx.delete(shieldOverrides).where(inArray(shieldOverrides.childId, childIds));
  await tx.delete(adminAlerts).where(inArray(adminAlerts.childId, childIds));
  await tx.delete(legalHolds).where(inArray(legalHolds.childId, childIds));
  await tx.delete(subjectAccessRequests).where(inArray(subjectAccessRequests.childId, childIds));
  await tx.delete(auditPrivate).where(sql`${auditPrivate.childIds} && ${uuidArray(childIds)}`);
  await tx.delete(children).where(inArray(children.id, childIds));
}
