import { and, asc, eq, inArray, isNull, lt, lte, max, ne, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db';
import { deliveries, mailOutbox, messages, users } from '../db/schema';
import { executeRows } from '../db/execute-rows';

export type OutboxRow = typeof mailOutbox.$inferSelect;
export type NewOutboxRow = typeof mailOutbox.$inferInsert;

/** Writes notices; a new-message or sign-in notice already waiting for that person takes the new one in (nothing is added). */
export async function insertOutboxRows(db: Database, rows: NewOutboxRow[]): Promise<{ id: string; nextAttemptAt: Date }[]> {
  if (!rows.length) return [];
  return db.insert(mailOutbox).values(rows).onConflictDoNothing().returning({ id: mailOutbox.id, nextAttemptAt: mailOutbox.nextAttemptAt });
}

export interface DigestNotice {
  userId: string;
  at: Date;
  dueAt: Date;
}

/**
 * The same for new-message notices, as a CTE of the statement that stores the messages (see
 * server/shares/message-commit.ts, which commits some batches as one statement rather than a transaction).
 */
export function digestRowsCte(notices: DigestNotice[]): SQL {
  const rows = JSON.stringify(notices.map((n) => ({ u: n.userId, at: n.at.toISOString(), due: n.dueAt.toISOString() })));
  return sql`mail_digests as (
    insert into ${mailOutbox} (user_id, kind, next_attempt_at, created_at)
    select n.u, 'new_messages', n.due, n.at from json_to_recordset(${rows}::json) as n(u uuid, at timestamptz, due timestamptz)
    on conflict do nothing
  )`;
}

export async function insertDigestRows(db: Database, notices: DigestNotice[]): Promise<void> {
  if (!notices.length) return;
  await executeRows(db, sql`with ${digestRowsCte(notices)} select 1`);
}

export async function findOutboxRow(db: Database, id: string): Promise<OutboxRow | undefined> {
  const [row] = await db.select().from(mailOutbox).where(eq(mailOutbox.id, id));
  return row;
}

/**
 * Takes a due, queued notice for sending: one worker wins, for a lease. Its Message-ID is fixed
 * at the first attempt and never changes, so a receiving server can tell a repeat.
 */
export async function claimOutboxRow(db: Database, id: string, now: Date, leaseUntil: Date, messageIdDomain: string): Promise<OutboxRow | undefined> {
  const [row] = await db
    .update(mailOutbox)
    .set({
      status: 'sending',
      attempts: sql`${mailOutbox.attempts} + 1`,
      leaseUntil,
      messageId: sql`coalesce(${mailOutbox.messageId}, '<' || ${mailOutbox.id}::text || '@' || ${messageIdDomain}::text || '>')`,
    })
    .where(and(eq(mailOutbox.id, id), eq(mailOutbox.status, 'queued'), lte(mailOutbox.nextAttemptAt, now)))
    .returning();
  return row;
}

/** Each of these applies only to a row this worker holds (`sending`): a row given up meanwhile stays as it is. */
const held = (id: string) => and(eq(mailOutbox.id, id), eq(mailOutbox.status, 'sending'));

export async function markSent(db: Database, id: string, at: Date): Promise<void> {
  await db.update(mailOutbox).set({ status: 'sent', sentAt: at, leaseUntil: null, lastError: null, linkToken: null }).where(held(id));
}

export async function markSkipped(db: Database, id: string, at: Date, why: string): Promise<void> {
  await db.update(mailOutbox).set({ status: 'skipped', sentAt: at, leaseUntil: null, lastError: why, linkToken: null }).where(held(id));
}

export async function markRetry(db: Database, id: string, nextAttemptAt: Date, error: string): Promise<void> {
  await db.update(mailOutbox).set({ status: 'queued', nextAttemptAt, leaseUntil: null, lastError: error }).where(held(id));
}

export async function markFailed(db: Database, id: string, error: string): Promise<void> {
  await db.update(mailOutbox).set({ status: 'failed', leaseUntil: null, lastError: error }).where(held(id));
}

/** A queued digest that may not go yet. */
/** A queued notice that will not go (the person turned it off): settled without being taken. */
export async function skipQueued(db: Database, id: string, at: Date, why: string): Promise<void> {
  await db
    .update(mailOutbox)
    .set({ status: 'skipped', sentAt: at, lastError: why, linkToken: null })
    .where(and(eq(mailOutbox.id, id), eq(mailOutbox.status, 'queued')));
}

export async function postpone(db: Database, id: string, until: Date): Promise<void> {
  await db
    .update(mailOutbox)
    .set({ nextAttemptAt: until })
    .where(and(eq(mailOutbox.id, id), eq(mailOutbox.status, 'queued')));
}

/** When this person's last new-message e-mail went. */
export async function lastDigestSentAt(db: Database, userId: string): Promise<Date | null> {
  const [row] = await db
    .select({ at: max(mailOutbox.sentAt) })
    .from(mailOutbox)
    .where(and(eq(mailOutbox.userId, userId), eq(mailOutbox.kind, 'new_messages'), eq(mailOutbox.status, 'sent')));
  return row?.at ?? null;
}

/** Messages to this person since `since`, not sent by them, not revoked, that they have not opened. */
export async function countUnreadSince(db: Database, userId: string, since: Date): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(deliveries)
    .innerJoin(messages, eq(messages.id, deliveries.messageId))
    .where(
      and(
        eq(deliveries.userId, userId),
        isNull(deliveries.readAt),
        ne(messages.senderId, userId),
        isNull(messages.revokedAt),
        sql`${messages.storedAt} >= ${since.toISOString()}::timestamptz`,
      ),
    );
  return row?.n ?? 0;
}

export async function recipientOf(db: Database, userId: string): Promise<{ email: string; suspended: boolean } | undefined> {
  const [row] = await db.select({ email: users.email, suspendedAt: users.suspendedAt }).from(users).where(eq(users.id, userId));
  return row ? { email: row.email, suspended: row.suspendedAt !== null } : undefined;
}

/**
 * Sends that outlived their lease: the worker died mid-conversation, so the e-mail may or may not
 * have gone. They are marked failed, never sent again by themselves (at most once per
 * Message-ID); `npm run haven -- mail retry` sends one again on an operator's word.
 */
export async function failExpiredLeases(db: Database, now: Date, error: string): Promise<{ id: string; kind: string }[]> {
  return db
    .update(mailOutbox)
    .set({ status: 'failed', leaseUntil: null, lastError: error })
    .where(and(eq(mailOutbox.status, 'sending'), lt(mailOutbox.leaseUntil, now)))
    .returning({ id: mailOutbox.id, kind: mailOutbox.kind });
}

/** Queued notices, soonest first, for the sweep to enqueue again. */
export async function queuedRows(db: Database, limit: number): Promise<{ id: string; nextAttemptAt: Date }[]> {
  return db
    .select({ id: mailOutbox.id, nextAttemptAt: mailOutbox.nextAttemptAt })
    .from(mailOutbox)
    .where(eq(mailOutbox.status, 'queued'))
    .orderBy(asc(mailOutbox.nextAttemptAt))
    .limit(limit);
}

export interface FailedSend {
  id: string;
  kind: string;
  to: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
}

/** Failed sends, oldest first: kind, recipient address, attempts and error — never what the e-mail says. */
export async function listFailed(db: Database): Promise<FailedSend[]> {
  const rows = await db
    .select({
      id: mailOutbox.id,
      kind: mailOutbox.kind,
      address: mailOutbox.address,
      email: users.email,
      attempts: mailOutbox.attempts,
      lastError: mailOutbox.lastError,
      createdAt: mailOutbox.createdAt,
    })
    .from(mailOutbox)
    .leftJoin(users, eq(users.id, mailOutbox.userId))
    .where(eq(mailOutbox.status, 'failed'))
    .orderBy(asc(mailOutbox.createdAt));
  return rows.map((r) => ({ id: r.id, kind: r.kind, to: r.email ?? r.address ?? '', attempts: r.attempts, lastError: r.lastError, createdAt: r.createdAt }));
}

/** Puts failed sends back in the queue, due now, with their attempts counted afresh (and the same Message-ID). */
export async function requeueFailed(db: Database, ids: string[] | 'all', now: Date): Promise<{ id: string; nextAttemptAt: Date }[]> {
  const failed = eq(mailOutbox.status, 'failed');
  return db
    .update(mailOutbox)
    .set({ status: 'queued', attempts: 0, nextAttemptAt: now })
    .where(ids === 'all' ? failed : and(failed, inArray(mailOutbox.id, ids)))
    .returning({ id: mailOutbox.id, nextAttemptAt: mailOutbox.nextAttemptAt });
}

/** For the metrics: notices by status, and the age of the oldest one still queued. */
export async function outboxTotals(db: Database): Promise<{ byStatus: { status: string; n: number }[]; oldestQueuedAt: Date | null }> {
  const [byStatus, [oldest]] = await Promise.all([
    db
      .select({ status: mailOutbox.status, n: sql<number>`count(*)::int` })
      .from(mailOutbox)
      .groupBy(mailOutbox.status),
    db
      .select({ at: sql<string | null>`min(${mailOutbox.createdAt})` })
      .from(mailOutbox)
      .where(eq(mailOutbox.status, 'queued')),
  ]);
  return { byStatus, oldestQueuedAt: oldest?.at ? new Date(oldest.at) : null };
}

/** Sent and skipped notices older than `before` are of no more use (housekeeping). */
export async function deleteFinishedBefore(db: Database, before: Date): Promise<number> {
  const rows = await db
    .delete(mailOutbox)
    .where(and(inArray(mailOutbox.status, ['sent', 'skipped']), lt(mailOutbox.createdAt, before)))
    .returning({ id: mailOutbox.id });
  return rows.length;
}
