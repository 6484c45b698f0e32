import { and, asc, eq, isNull, lte, or, sql } from 'drizzle-orm';
import type { Database } from '../db';
import { notices, obligations, users } from '../db/schema';

export type ObligationRow = typeof obligations.$inferSelect;

export async function insertObligation(db: Database, values: typeof obligations.$inferInsert): Promise<ObligationRow> {
  const [row] = await db.insert(obligations).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function findObligation(db: Database, id: string): Promise<ObligationRow | undefined> {
  const [row] = await db.select().from(obligations).where(eq(obligations.id, id));
  return row;
}

const open = and(isNull(obligations.dischargedAt), isNull(obligations.cancelledAt));

/** Open obligations whose reminder or next escalation may be due; each is re-checked under a row lock. */
export async function obligationsNeedingAttention(db: Database, now: Date): Promise<string[]> {
  const rows = await db
    .select({ id: obligations.id })
    .from(obligations)
    .where(and(open, or(and(isNull(obligations.remindedAt), lte(obligations.remindAt, now)), lte(obligations.dueAt, now))))
    .orderBy(asc(obligations.dueAt));
  return rows.map((r) => r.id);
}

/** Locks one open obligation for this transaction; another worker holding it makes this return undefined. */
export async function lockOpenObligation(tx: Database, id: string): Promise<ObligationRow | undefined> {
  const [row] = await tx
    .select()
    .from(obligations)
    .where(and(eq(obligations.id, id), open))
    .for('update', { skipLocked: true });
  return row;
}

export async function updateObligation(db: Database, id: string, values: Partial<typeof obligations.$inferInsert>): Promise<void> {
  await db.update(obligations).set(values).where(eq(obligations.id, id));
}

/** Records a notice once: a second attempt for the same obligation, kind, round and person does nothing. */
export async function insertNotices(db: Database, rows: (typeof notices.$inferInsert)[]): Promise<number> {
  if (!rows.length) return 0;
  const inserted = await db.insert(notices).values(rows).onConflictDoNothing().returning({ id: notices.id });
  return inserted.length;
}

export async function openObligationsOf(db: Database, officerId: string): Promise<ObligationRow[]> {
  return db
    .select()
    .from(obligations)
    .where(and(eq(obligations.officerId, officerId), open))
    .orderBy(asc(obligations.dueAt));
}

export async function openObligationForDischarge(db: Database, id: string, officerId: string, childId: string): Promise<ObligationRow | undefined> {
  const [row] = await db
    .select()
    .from(obligations)
    .where(and(eq(obligations.id, id), eq(obligations.officerId, officerId), eq(obligations.childId, childId), open))
    .for('update');
  return row;
}

/** Admins to escalate to: the officer's agency admins, or the system admins when the agency has none. */
export async function escalationRecipients(db: Database, officerId: string): Promise<string[]> {
  const [officer] = await db.select({ agencyId: users.agencyId }).from(users).where(eq(users.id, officerId));
  const agencyAdmins = officer?.agencyId
    ? await db
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.agencyId, officer.agencyId), eq(users.role, 'agency_admin'), isNull(users.suspendedAt)))
    : [];
  if (agencyAdmins.length) return agencyAdmins.map((a) => a.id);
  const systemAdmins = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, 'system_admin'), isNull(users.suspendedAt)));
  return systemAdmins.map((a) => a.id);
}

export async function escalatedObligations(db: Database, agencyId: string | null) {
  const base = and(open, sql`${obligations.escalations} > 0`);
  return db
    .select({ obligation: obligations, officerName: users.name, officerAgencyId: users.agencyId })
    .from(obligations)
    .innerJoin(users, eq(users.id, obligations.officerId))
    .where(agencyId ? and(base, eq(users.agencyId, agencyId)) : base)
    .orderBy(asc(obligations.dueAt));
}

export async function noticesOf(db: Database, userId: string) {
  return db.select().from(notices).where(eq(notices.userId, userId)).orderBy(asc(notices.createdAt));
}

/** Marks one of this person's notices read; false when they have no such notice. */
export async function markNoticeRead(db: Database, id: string, userId: string, at: Date): Promise<boolean> {
  const rows = await db
    .update(notices)
    .set({ readAt: sql`coalesce(${notices.readAt}, ${at.toISOString()}::timestamptz)` })
    .where(and(eq(notices.id, id), eq(notices.userId, userId)))
    .returning({ id: notices.id });
  return rows.length > 0;
}

/** Open obligations past their deadline, counted in the database (for the metrics; no rows leave it). */
export async function countOverdueObligations(db: Database, now: Date): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(obligations)
    .where(and(open, lte(obligations.dueAt, now)));
  return row?.n ?? 0;
}
