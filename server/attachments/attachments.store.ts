import { and, eq, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Database } from '../db';
import { attachments } from '../db/schema';
import { inUuids } from '../db/uuid-array';

export type AttachmentRow = typeof attachments.$inferSelect;
/** Not yet part of a sent message or a logged verbal share. */
const unsent = and(isNull(attachments.messageId), isNull(attachments.shareId));

export type DeletedBecause = 'cancelled' | 'revoked' | 'never_sent' | 'retention';

export async function insertAttachment(db: Database, values: typeof attachments.$inferInsert): Promise<AttachmentRow> {
  const [row] = await db.insert(attachments).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function findAttachment(db: Database, id: string): Promise<AttachmentRow | undefined> {
  const [row] = await db.select().from(attachments).where(eq(attachments.id, id));
  return row;
}

export async function findAttachments(db: Database, ids: string[]): Promise<AttachmentRow[]> {
  if (!ids.length) return [];
  return db.select().from(attachments).where(inUuids(attachments.id, ids));
}

/**
 * Serialises one user's quota checks (a transaction-scoped advisory lock on the user), so two
 * uploads started at once cannot both fit in the space left for one.
 */
export async function lockQuotaOf(tx: Database, userId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${QUOTA_LOCK_SPACE}::int, hashtext(${userId}))`);
}
const QUOTA_LOCK_SPACE = 0x4174_7461; // "Atta"

/** Bytes a user holds in uploads whose ciphertext is not deleted (declared sizes: space is reserved at creation). */
export async function bytesHeldBy(db: Database, userId: string): Promise<number> {
  const [row] = await db
    .select({ total: sql<string>`coalesce(sum(${attachments.size}), 0)::text` })
    .from(attachments)
    .where(and(eq(attachments.uploaderId, userId), isNull(attachments.deletedAt)));
  return Number(row?.total ?? 0);
}

/**
 * Records `length` more bytes at `offset`, only if that is exactly where the upload stands, it has
 * room for them and it is still open: of several writers at one offset, one wins, the others see
 * nothing changed. Returns the upload as it now stands if this one won.
 */
export async function advanceReceived(tx: Database, id: string, offset: number, length: number): Promise<AttachmentRow | undefined> {
  const rows = await tx
    .update(attachments)
    .set({ received: sql`${attachments.received} + ${length}` })
    .where(
      and(
        eq(attachments.id, id),
        eq(attachments.received, offset),
        sql`${attachments.received} + ${length} <= ${attachments.size}`,
        isNull(attachments.completedAt),
        isNull(attachments.deletedAt),
      ),
    )
    .returning();
  return rows[0];
}

export async function markCompleted(tx: Database, id: string, now: Date): Promise<boolean> {
  const rows = await tx
    .update(attachments)
    .set({ completedAt: now })
    .where(and(eq(attachments.id, id), eq(attachments.received, attachments.size), isNull(attachments.completedAt), isNull(attachments.deletedAt)))
    .returning({ id: attachments.id });
  return rows.length === 1;
}

/** Ties finished, unsent uploads to a message; returns how many it tied (all or the caller rolls back). */
export async function linkToMessage(tx: Database, ids: string[], messageId: string): Promise<number> {
  const rows = await tx
    .update(attachments)
    .set({ messageId })
    .where(and(inUuids(attachments.id, ids), unsent, isNotNull(attachments.threadId), isNotNull(attachments.completedAt), isNull(attachments.deletedAt)))
    .returning({ id: attachments.id });
  return rows.length;
}

/** Ties finished, unsent uploads made for a verbal share to the logged share; returns how many it tied (all or the caller rolls back). */
export async function linkToShare(tx: Database, ids: string[], shareId: string): Promise<number> {
  const rows = await tx
    .update(attachments)
    .set({ shareId })
    .where(and(inUuids(attachments.id, ids), unsent, isNull(attachments.threadId), isNotNull(attachments.completedAt), isNull(attachments.deletedAt)))
    .returning({ id: attachments.id });
  return rows.length;
}

/**
 * Marks uploads deleted (keeping the row, without its ciphertext) and returns those it marked, with
 * their store. `onlyUnsent` (a cancel, the sweep of unsent uploads): an upload tied to a message or
 * share is left alone, also one tied by a send that committed while this waited for its row.
 */
export async function markDeleted(
  tx: Database,
  where: { ids?: string[]; messageId?: string; onlyUnsent?: boolean },
  because: DeletedBecause,
  now: Date,
): Promise<Pick<AttachmentRow, 'id' | 'store' | 'childId' | 'uploaderId' | 'size'>[]> {
  const target = where.ids ? inUuids(attachments.id, where.ids) : where.messageId ? eq(attachments.messageId, where.messageId) : sql`false`;
  return tx
    .update(attachments)
    .set({ deletedAt: now, deletedBecause: because })
    .where(and(target, isNull(attachments.deletedAt), where.onlyUnsent ? unsent : undefined))
    .returning({ id: attachments.id, store: attachments.store, childId: attachments.childId, uploaderId: attachments.uploaderId, size: attachments.size });
}

/** Uploads never attached to a message or a verbal share, started before `before`, whose ciphertext is still held. */
export async function unsentBefore(db: Database, before: Date, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: attachments.id })
    .from(attachments)
    .where(and(unsent, isNull(attachments.deletedAt), lt(attachments.createdAt, before)))
    .limit(limit);
  return rows.map((r) => r.id);
}

/** The attachments of these messages (for subject access and revocation). */
export async function attachmentsOfMessages(db: Database, messageIds: string[]): Promise<AttachmentRow[]> {
  if (!messageIds.length) return [];
  return db.select().from(attachments).where(inArray(attachments.messageId, messageIds));
}
