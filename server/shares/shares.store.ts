import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { Database } from '../db';
import { agencies, shareLog, shareParticipants, users } from '../db/schema';

export type ShareRow = typeof shareLog.$inferSelect;
export type ParticipantRow = typeof shareParticipants.$inferSelect;

export async function insertShare(
  db: Database,
  values: typeof shareLog.$inferInsert,
  participants: Omit<typeof shareParticipants.$inferInsert, 'shareId'>[],
): Promise<ShareRow> {
  const [row] = await db.insert(shareLog).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  if (participants.length) await db.insert(shareParticipants).values(participants.map((p) => ({ ...p, shareId: row.id })));
  return row;
}

export async function findShare(db: Database, id: string): Promise<ShareRow | undefined> {
  const [row] = await db.select().from(shareLog).where(eq(shareLog.id, id));
  return row;
}

/** Entries about a child that this user sent or took part in, oldest first (when they happened). */
export async function sharesForParty(db: Database, childId: string, userId: string): Promise<ShareRow[]> {
  const partyOf = sql`${shareLog.id} in (select ${shareParticipants.shareId} from ${shareParticipants} where ${shareParticipants.userId} = ${userId})`;
  return db
    .select()
    .from(shareLog)
    .where(and(eq(shareLog.childId, childId), or(eq(shareLog.senderId, userId), partyOf)))
    .orderBy(asc(shareLog.occurredAt), asc(shareLog.recordedAt));
}

/** Every entry about a child, from every agency, oldest first (when they happened): the multi-agency chronology filters it. */
export async function sharesAboutChild(db: Database, childId: string): Promise<ShareRow[]> {
  return db.select().from(shareLog).where(eq(shareLog.childId, childId)).orderBy(asc(shareLog.occurredAt), asc(shareLog.recordedAt));
}

/** Entries that correct or reopen any of these (so a view can say "corrected"). */
export async function followUps(db: Database, ids: string[]): Promise<ShareRow[]> {
  if (!ids.length) return [];
  return db
    .select()
    .from(shareLog)
    .where(or(inArray(shareLog.correctsId, ids), inArray(sql<string>`(${shareLog.record} ->> 'reopens')::uuid`, ids)));
}

export async function participantsOf(db: Database, shareIds: string[]) {
  if (!shareIds.length) return [];
  return db
    .select({ participant: shareParticipants, userName: users.name, agencyName: agencies.name })
    .from(shareParticipants)
    .innerJoin(agencies, eq(agencies.id, shareParticipants.agencyId))
    .leftJoin(users, eq(users.id, shareParticipants.userId))
    .where(inArray(shareParticipants.shareId, shareIds));
}

/** Who may read a verbal share's summary and files: its sender and each Haven user who took part. */
export async function readersOfShare(db: Database, shareId: string): Promise<string[]> {
  const [share] = await db.select({ senderId: shareLog.senderId }).from(shareLog).where(eq(shareLog.id, shareId));
  if (!share) return [];
  const rows = await db.select({ userId: shareParticipants.userId }).from(shareParticipants).where(eq(shareParticipants.shareId, shareId));
  return [...new Set([share.senderId, ...rows.flatMap((r) => (r.userId ? [r.userId] : []))])];
}
