import { and, eq, getTableName, sql, type AnyColumn, type Table } from 'drizzle-orm';
import type { Database } from '../db';
import {
  adminAlerts,
  attachmentChunks,
  attachments,
  auditPrivate,
  caseOfficers,
  children,
  concernFlags,
  deliveries,
  involvements,
  leadPractitioners,
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
import { executeRows } from '../db/execute-rows';
import { inUuids, uuidArray } from '../db/uuid-array';

const n = sql<number>`count(*)::int`;

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
    table:
      | typeof involvements
      | typeof concernFlags
      | typeof specialistContacts
      | typeof shareLog
      | typeof threads
      | typeof messages
      | typeof obligations
      | typeof leadPractitioners
      | typeof attachments,
  ) => {
    add(name, await db.select({ childId: table.childId, n }).from(table).where(inUuids(table.childId, childIds)).groupBy(table.childId));
  };
  await byChild('involvements', involvements);
  await byChild('concerns', concernFlags);
  await byChild('specialistContacts', specialistContacts);
  await byChild('shareLogEntries', shareLog);
  await byChild('threads', threads);
  await byChild('messages', messages);
  await byChild('obligations', obligations);
  await byChild('leadPractitioners', leadPractitioners);
  await byChild('attachments', attachments);
  add(
    'shareParticipants',
    await db
      .select({ childId: shareLog.childId, n })
      .from(shareParticipants)
      .innerJoin(shareLog, eq(shareLog.id, shareParticipants.shareId))
      .where(inUuids(shareLog.childId, childIds))
      .groupBy(shareLog.childId),
  );
  add(
    'wrappedKeyCopies',
    await db
      .select({ childId: messages.childId, n })
      .from(deliveries)
      .innerJoin(messages, eq(messages.id, deliveries.messageId))
      .where(inUuids(messages.childId, childIds))
      .groupBy(messages.childId),
  );
  add(
    'threadParticipants',
    await db
      .select({ childId: threads.childId, n })
      .from(threadParticipants)
      .innerJoin(threads, eq(threads.id, threadParticipants.threadId))
      .where(inUuids(threads.childId, childIds))
      .groupBy(threads.childId),
  );
  const privateRows = await db
    .select({ childId: sql<string>`c`, n })
    .from(sql`${auditPrivate}, unnest(${auditPrivate.childIds}) as c`)
    .where(sql`c = any(${uuidArray(childIds)})`)
    .groupBy(sql`c`);
  add('auditPrivateDetails', privateRows);
  // Classes a child has none of read as 0, as after a destruction.
  for (const entry of counts.values()) for (const name of RECORD_CLASSES) entry[name] ??= 0;
  return counts;
}

/** Who holds copies of each child's messages, for the whole batch. */
export async function readersForBatch(db: Database, childIds: string[]): Promise<Map<string, { userIds: string[]; threadIds: string[] }>> {
  const rows = await db
    .select({ childId: threads.childId, threadId: threads.id, userId: threadParticipants.userId })
    .from(threads)
    .innerJoin(threadParticipants, eq(threadParticipants.threadId, threads.id))
    .where(inUuids(threads.childId, childIds));
  const result = new Map<string, { userIds: string[]; threadIds: string[] }>();
  for (const row of rows) {
    const entry = result.get(row.childId) ?? { userIds: [], threadIds: [] };
    if (!entry.userIds.includes(row.userId)) entry.userIds.push(row.userId);
    if (!entry.threadIds.includes(row.threadId)) entry.threadIds.push(row.threadId);
    result.set(row.childId, entry);
  }
  return result;
}

/** The record classes a destruction counts, in the order they are reported. */
const RECORD_CLASSES = [
  'involvements',
  'concerns',
  'specialistContacts',
  'shareLogEntries',
  'shareParticipants',
  'threads',
  'messages',
  'attachments',
  'wrappedKeyCopies',
  'threadParticipants',
  'obligations',
  'leadPractitioners',
  'auditPrivateDetails',
] as const;

/**
 * Of these children, those that can be destroyed now — under no active legal hold — locked for
 * this transaction. A hold placed after the batch was listed is seen here, and a hold being
 * placed now waits (its foreign key takes a share lock on the child's row), then fails cleanly.
 */
export async function lockDestroyable(tx: Database, childIds: string[]): Promise<string[]> {
  if (!childIds.length) return [];
  const rows = await tx
    .select({ id: children.id })
    .from(children)
    .where(and(inUuids(children.id, childIds), sql`not exists (select 1 from ${legalHolds} h where h.child_id = ${children.id} and h.released_at is null)`))
    .orderBy(children.id)
    .for('update');
  return rows.map((r) => r.id);
}

/**
 * Destroys every record about these children in the caller's transaction, a statement per table
 * for the whole batch, and returns per-child counts of what the deletes removed (RETURNING), so
 * the tombstones report exactly what was destroyed without counting it first, and the tables
 * rows were deleted from (to be vacuumed once the run is over: `vacuumTables`).
 */
export async function destroyChildren(
  tx: Database,
  childIds: string[],
): Promise<{ counts: Map<string, Record<string, number>>; tables: Set<string>; blobFiles: string[] }> {
  const counts = new Map<string, Record<string, number>>(
    childIds.map((id) => [id, { indexEntry: 1, ...Object.fromEntries(RECORD_CLASSES.map((name) => [name, 0])) }]),
  );
  const tables = new Set<string>();
  if (!childIds.length) return { counts, tables, blobFiles: [] };
  /** The rows a delete returned, noting its table when it removed any. */
  const from = <Row>(table: Table, rows: Row[]): Row[] => {
    if (rows.length) tables.add(getTableName(table));
    return rows;
  };
  const tally = (name: (typeof RECORD_CLASSES)[number], childIdsOfRows: Iterable<string | undefined>) => {
    for (const childId of childIdsOfRows) {
      const entry = childId === undefined ? undefined : counts.get(childId);
      if (entry) entry[name] = (entry[name] ?? 0) + 1;
    }
  };
  await tx.execute(sql`set local haven.allow_destruction = 'on'`);

  // Each delete returns whose rows it removed. Rows that belong to a child through their parent
  // (a message's copies, a thread's members, a share's named people) are deleted joined to it.
  const ofChildren = async (table: Table & { childId: AnyColumn }) =>
    from(
      table,
      await executeRows<{ child_id: string }>(tx, sql`delete from ${table} where ${inUuids(table.childId, childIds)} returning ${table.childId} as child_id`),
    ).map((r) => r.child_id);
  const throughParent = async (table: Table, parentId: AnyColumn, parent: typeof messages | typeof threads | typeof shareLog) =>
    from(
      table,
      await executeRows<{ child_id: string }>(
        tx,
        sql`delete from ${table} using ${parent} where ${parentId} = ${parent.id} and ${inUuids(parent.childId, childIds)} returning ${parent.childId} as child_id`,
      ),
    ).map((r) => r.child_id);
  const obligationIds = tx.select({ id: obligations.id }).from(obligations).where(inUuids(obligations.childId, childIds));

  // Attachments' encrypted chunks go with them; those kept as files (HAVEN_BLOB_DIR) are removed once this commits.
  // Their rows are locked first: an append still being written to one (its chunk row not yet
  // committed, so invisible to the delete below) finishes before this goes on, and its chunk is
  // deleted with the rest instead of being left to fail the attachment's delete on its foreign key.
  await tx.execute(sql`select ${attachments.id} from ${attachments} where ${inUuids(attachments.childId, childIds)} for update`);
  from(
    attachmentChunks,
    await executeRows<{ id: string }>(
      tx,
      sql`delete from ${attachmentChunks} using ${attachments} where ${attachmentChunks.attachmentId} = ${attachments.id} and ${inUuids(attachments.childId, childIds)} returning ${attachments.id} as id`,
    ),
  );
  const attachmentRows = from(
    attachments,
    await tx
      .delete(attachments)
      .where(inUuids(attachments.childId, childIds))
      .returning({ id: attachments.id, childId: attachments.childId, store: attachments.store }),
  );
  tally(
    'attachments',
    attachmentRows.map((r) => r.childId),
  );
  tally('wrappedKeyCopies', await throughParent(deliveries, deliveries.messageId, messages));
  tally('messages', await ofChildren(messages));
  tally('threadParticipants', await throughParent(threadParticipants, threadParticipants.threadId, threads));
  tally('threads', await ofChildren(threads));
  from(
    notices,
    await tx
      .delete(notices)
      .where(sql`${notices.obligationId} in ${obligationIds}`)
      .returning({ id: notices.id }),
  );
  tally('obligations', await ofChildren(obligations));
  tally('shareParticipants', await throughParent(shareParticipants, shareParticipants.shareId, shareLog));
  tally('shareLogEntries', await ofChildren(shareLog));
  from(caseOfficers, await tx.delete(caseOfficers).where(inUuids(caseOfficers.childId, childIds)).returning({ id: caseOfficers.childId }));
  tally('concerns', await ofChildren(concernFlags));
  tally('leadPractitioners', await ofChildren(leadPractitioners));
  tally('involvements', await ofChildren(involvements));
  tally('specialistContacts', await ofChildren(specialistContacts));
  for (const table of [shieldOverrides, adminAlerts, legalHolds, subjectAccessRequests]) {
    from(table, await tx.delete(table).where(inUuids(table.childId, childIds)).returning({ id: table.childId }));
  }
  // A private audit detail can name several children (a search's results): it goes with the first of them destroyed.
  const details = from(
    auditPrivate,
    await tx
      .delete(auditPrivate)
      .where(sql`${auditPrivate.childIds} && ${uuidArray(childIds)}`)
      .returning({ childIds: auditPrivate.childIds }),
  );
  tally(
    'auditPrivateDetails',
    details.flatMap((r) => r.childIds),
  );
  from(children, await tx.delete(children).where(inUuids(children.id, childIds)).returning({ id: children.id }));
  return { counts, tables, blobFiles: attachmentRows.filter((r) => r.store === 'fs').map((r) => r.id) };
}

/**
 * VACUUMs these tables, so the row versions a retention run deleted are removed from their pages
 * rather than left readable as dead tuples until autovacuum comes by. INDEX_CLEANUP ON removes the
 * index entries that point at them too (PostgreSQL may otherwise skip index vacuuming when few
 * rows died). VACUUM cannot run inside a transaction: `db` must be the plain handle (each
 * statement on its own). It takes no lock that blocks reading or writing the tables.
 */
export async function vacuumTables(db: Database, tables: Iterable<string>): Promise<void> {
  const names = [...tables].sort();
  if (!names.length) return;
  await db.execute(
    sql`vacuum (index_cleanup on) ${sql.join(
      names.map((name) => sql.identifier(name)),
      sql`, `,
    )}`,
  );
}
