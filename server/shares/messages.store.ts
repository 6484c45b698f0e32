import { and, asc, eq, gt, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db';
import { children, deliveries, messages, threadParticipants, threads, userSequences } from '../db/schema';
import type { ChildRow } from '../children/children.store';
import { executeRows, executeRowsPrepared } from '../db/execute-rows';
import { anyUuidPlaceholder, coalescedByUuids } from '../db/prepared';
import { uniqueOr } from '../db/unique-violation';
import { inUuids } from '../db/uuid-array';
import { ConflictError } from '../errors';

export type ThreadRow = typeof threads.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
/**
 * A message to store: its header column is its envelope's own header, copied out in the database,
 * so it is sent once and cannot differ. It has no key grants yet (they come later, one by one).
 */
export type NewMessage = Omit<MessageRow, 'header' | 'keyGrants'>;
export type ParticipantRow = typeof threadParticipants.$inferSelect;

export async function insertThread(db: Database, values: typeof threads.$inferInsert): Promise<ThreadRow> {
  const [row] = await db.insert(threads).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export const alreadyParticipant = () => new ConflictError('already_participant', 'This person is already in the conversation.');

/** Fails with `already_participant` when someone is in the conversation already, even if a concurrent request just added them. */
export async function insertParticipants(db: Database, rows: (typeof threadParticipants.$inferInsert)[]): Promise<void> {
  if (rows.length) await uniqueOr(db.insert(threadParticipants).values(rows), alreadyParticipant);
}

// Read for every send, so these coalesce (see server/db/coalesce.ts).
const participantsByThread = coalescedByUuids(
  (db) =>
    db
      .select()
      .from(threadParticipants)
      .where(anyUuidPlaceholder(threadParticipants.threadId, 'ids'))
      .orderBy(asc(threadParticipants.addedAt))
      .prepare('haven_participants_by_thread'),
  (row) => row.threadId,
);
const messagesById = coalescedByUuids(
  (db) => db.select().from(messages).where(anyUuidPlaceholder(messages.id, 'ids')).prepare('haven_messages_by_id'),
  (row) => row.id,
);

const conversationsById = coalescedByUuids(
  (db) =>
    db
      .select({
        thread: threads,
        child: children,
        participantIds: sql<string[]>`array(select p.user_id::text from ${threadParticipants} p where p.thread_id = ${threads.id} order by p.added_at)`,
      })
      .from(threads)
      .innerJoin(children, eq(children.id, threads.childId))
      .where(anyUuidPlaceholder(threads.id, 'ids'))
      .prepare('haven_conversations_by_id'),
  (row) => row.thread.id,
);

/** A conversation with its child and its participants (in the order they joined), in one query. */
export async function findConversation(db: Database, id: string): Promise<{ thread: ThreadRow; child: ChildRow; participantIds: string[] } | undefined> {
  const [row] = await conversationsById(db, [id]);
  return row;
}

export async function participantsOfThread(db: Database, threadId: string): Promise<ParticipantRow[]> {
  return participantsByThread(db, [threadId]);
}

export async function threadsOfUser(db: Database, userId: string): Promise<ThreadRow[]> {
  return db
    .select({ thread: threads })
    .from(threads)
    .innerJoin(threadParticipants, eq(threadParticipants.threadId, threads.id))
    .where(eq(threadParticipants.userId, userId))
    .orderBy(asc(threads.createdAt))
    .then((rows) => rows.map((r) => r.thread));
}

export async function findMessage(db: Database, id: string): Promise<MessageRow | undefined> {
  const [row] = await messagesById(db, [id]);
  return row;
}

/** A reader's copy of a message, before it has its number. */
export interface NewCopy {
  messageId: string;
  userId: string;
  deliveredAt: Date | null;
}

/**
 * Stores messages and every reader's copy, each copy taking the next number of its reader's
 * own sequence, in one statement; returns the copies with their numbers. A reader with several
 * copies in the batch gets consecutive numbers in the order given, so they see messages in the
 * order they were sent. The sequence rows are locked in user-id order: two transactions
 * numbering copies for the same people then wait for each other instead of deadlocking. Rows
 * travel as JSON parameters (a batch binds as fast as one message; the messages' as jsonb, parsed
 * once, where json_to_recordset parsed each envelope a second time for its jsonb column: half of
 * PostgreSQL's CPU for that insert, measured), and the copies' foreign keys
 * are checked at the end of the statement, once the messages are in. `alongside`: more CTEs
 * that write with them (the audit entries, when the statement commits on its own); then the
 * statement is a named one (`executeRowsPrepared`): its text is the same each time.
 */
export async function insertNumberedMessages(
  tx: Database,
  rows: NewMessage[],
  copies: NewCopy[],
  alongside?: SQL,
): Promise<{ messageId: string; userId: string; seq: number }[]> {
  const run = alongside ? <Row>(query: SQL) => executeRowsPrepared<Row>(tx, 'haven_commit_messages', query) : <Row>(query: SQL) => executeRows<Row>(tx, query);
  if (!rows.length) return [];
  // Copy k of a reader's n in this batch gets number last − n + k, `last` being where the reader's sequence ends once all n are taken.
  const counts = new Map<string, number>();
  const positions = copies.map((c) => {
    const k = (counts.get(c.userId) ?? 0) + 1;
    counts.set(c.userId, k);
    return k;
  });
  const numbered = copies.map((c, i) => ({
    message_id: c.messageId,
    user_id: c.userId,
    k: positions[i],
    n: counts.get(c.userId),
    delivered_at: c.deliveredAt?.toISOString() ?? null,
  }));
  const messagesJson = JSON.stringify(
    rows.map((r) => ({
      id: r.id,
      thread_id: r.threadId,
      child_id: r.childId,
      sender_id: r.senderId,
      envelope: r.envelope,
      signature: r.signature,
      stored_at: r.storedAt.toISOString(),
      revoked_at: r.revokedAt?.toISOString() ?? null,
    })),
  );
  const wanted = JSON.stringify([...counts].map(([u, n]) => ({ u, n })));
  return (
    await run<{ message_id: string; user_id: string; seq: string | number }>(
      sql`with stored as (
      insert into ${messages} (id, thread_id, child_id, sender_id, envelope, signature, stored_at, revoked_at)
      select id, thread_id, child_id, sender_id, envelope, signature, stored_at, revoked_at
        from jsonb_to_recordset(${messagesJson}::jsonb)
          as m(id uuid, thread_id uuid, child_id uuid, sender_id uuid, envelope jsonb, signature text, stored_at timestamptz, revoked_at timestamptz)
    ),
    taken as (
      insert into ${userSequences} (user_id, last_seq)
      select t.u, t.n from json_to_recordset(${wanted}::json) as t(u uuid, n int) order by t.u
      on conflict (user_id) do update set last_seq = ${userSequences}.last_seq + excluded.last_seq
      returning user_id, last_seq
    ),
    copies as (
      insert into ${deliveries} (message_id, user_id, seq, delivered_at)
      select d.message_id, d.user_id, taken.last_seq - d.n + d.k, d.delivered_at
        from json_to_recordset(${JSON.stringify(numbered)}::json) as d(message_id uuid, user_id uuid, k int, n int, delivered_at timestamptz)
        join taken on taken.user_id = d.user_id
      returning message_id, user_id, seq
    )${alongside ? sql`, ${alongside}` : sql``}
    select message_id, user_id, seq from copies`,
    )
  ).map((r) => ({ messageId: r.message_id, userId: r.user_id, seq: Number(r.seq) }));
}

export async function deliveryOf(db: Database, messageId: string, userId: string) {
  const [row] = await db
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.messageId, messageId), eq(deliveries.userId, userId)));
  return row;
}

export async function deliveriesOfMessage(db: Database, messageId: string) {
  return db.select().from(deliveries).where(eq(deliveries.messageId, messageId));
}

/** A reader's messages after their cursor, in sequence order. */
export async function messagesSince(db: Database, userId: string, cursor: number, limit: number) {
  return db
    .select({ seq: deliveries.seq, message: messages })
    .from(deliveries)
    .innerJoin(messages, eq(messages.id, deliveries.messageId))
    .where(and(eq(deliveries.userId, userId), gt(deliveries.seq, cursor)))
    .orderBy(asc(deliveries.seq))
    .limit(limit);
}

export async function markDelivered(db: Database, userId: string, messageIds: string[], at: Date): Promise<string[]> {
  if (!messageIds.length) return [];
  const rows = await db
    .update(deliveries)
    .set({ deliveredAt: at })
    .where(and(eq(deliveries.userId, userId), inArray(deliveries.messageId, messageIds), isNull(deliveries.deliveredAt)))
    .returning({ messageId: deliveries.messageId });
  return rows.map((r) => r.messageId);
}

export async function markRead(db: Database, userId: string, messageId: string, at: Date): Promise<boolean> {
  const rows = await db
    .update(deliveries)
    .set({ readAt: at, deliveredAt: sql`coalesce(${deliveries.deliveredAt}, ${at.toISOString()}::timestamptz)` })
    .where(and(eq(deliveries.userId, userId), eq(deliveries.messageId, messageId), isNull(deliveries.readAt)))
    .returning({ messageId: deliveries.messageId });
  return rows.length > 0;
}

/** Revoking keeps the header (what was shared with whom, for the record) and drops the ciphertext. */
export async function revokeMessage(db: Database, id: string, at: Date): Promise<boolean> {
  const rows = await db
    .update(messages)
    // The right-hand sides see the row as it was: the header is taken from the envelope being dropped.
    .set({ revokedAt: at, envelope: null, header: sql`coalesce(${messages.header}, ${messages.envelope} -> 'header')` })
    .where(and(eq(messages.id, id), isNull(messages.revokedAt)))
    .returning({ id: messages.id });
  return rows.length > 0;
}

/**
 * Who has received and who has opened each of these messages (the sender's own copy aside): the
 * receipts a sender sees live, for a conversation opened again later. With `onlySentBy`, only
 * for the messages that user sent (others' ids are left out, as if unknown).
 */
export async function receiptsOf(db: Database, messageIds: string[], onlySentBy?: string): Promise<Map<string, { delivered: string[]; read: string[] }>> {
  const receipts = new Map<string, { delivered: string[]; read: string[] }>();
  if (!messageIds.length) return receipts;
  const rows = await db
    .select({ messageId: deliveries.messageId, userId: deliveries.userId, deliveredAt: deliveries.deliveredAt, readAt: deliveries.readAt })
    .from(deliveries)
    .innerJoin(messages, eq(messages.id, deliveries.messageId))
    .where(
      and(
        inUuids(deliveries.messageId, messageIds),
        sql`${deliveries.userId} <> ${messages.senderId}`,
        onlySentBy === undefined ? undefined : eq(messages.senderId, onlySentBy),
      ),
    )
    .orderBy(asc(deliveries.userId));
  for (const row of rows) {
    const entry = receipts.get(row.messageId) ?? { delivered: [], read: [] };
    // Opened implies received, as the live receipts say.
    if (row.deliveredAt || row.readAt) entry.delivered.push(row.userId);
    if (row.readAt) entry.read.push(row.userId);
    receipts.set(row.messageId, entry);
  }
  return receipts;
}

export async function messagesOfThread(db: Database, threadId: string) {
  return db.select().from(messages).where(eq(messages.threadId, threadId)).orderBy(asc(messages.storedAt));
}

/** When each of these conversations last had a message stored (absent: none yet). */
export async function lastMessageTimes(db: Database, threadIds: string[]): Promise<Map<string, Date>> {
  if (!threadIds.length) return new Map();
  const rows = await db
    .select({ threadId: messages.threadId, at: sql<Date>`max(${messages.storedAt})`.mapWith((v: string | Date) => new Date(v)) })
    .from(messages)
    .where(inUuids(messages.threadId, threadIds))
    .groupBy(messages.threadId);
  return new Map(rows.map((r) => [r.threadId, r.at]));
}

/**
 * Appends a key grant for `userId` unless the message already holds one for them (a concurrent
 * grant waits for the first and then finds it); false when it did.
 */
export async function appendKeyGrant(db: Database, messageId: string, userId: string, grant: Record<string, unknown>): Promise<boolean> {
  const rows = await db
    .update(messages)
    .set({ keyGrants: sql`${messages.keyGrants} || jsonb_build_array(${JSON.stringify(grant)}::jsonb)` })
    .where(and(eq(messages.id, messageId), isNull(messages.revokedAt), sql`not ${messages.keyGrants} @> ${JSON.stringify([{ userId }])}::jsonb`))
    .returning({ id: messages.id });
  return rows.length > 0;
}
