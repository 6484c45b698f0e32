import { and, desc, eq, gt, isNull, ne, or, sql } from 'drizzle-orm';
import type { Database } from '../db';
import { mfaRecoveries, userKeys, users } from '../db/schema';

export type MfaRecoveryRow = typeof mfaRecoveries.$inferSelect;

export async function insertMfaRecovery(db: Database, values: typeof mfaRecoveries.$inferInsert): Promise<MfaRecoveryRow> {
  const [row] = await db.insert(mfaRecoveries).values(values).returning();
  if (!row) throw new Error('mfa recovery not inserted');
  return row;
}

/** A recovery still open at `now`: not used, cancelled, replaced or expired. Every change of state starts from this. */
const openAt = (now: Date) => and(isNull(mfaRecoveries.usedAt), isNull(mfaRecoveries.cancelledAt), gt(mfaRecoveries.expiresAt, now));

/**
 * Serialises new requests for one person, so that of requests made at the same moment each later
 * one sees and replaces the one before: without it, two could each miss the other and both links work.
 */
export async function lockRecoveriesOf(tx: Database, userId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('haven/mfa-recovery'), hashtext(${userId}))`);
}

/**
 * A newer request replaces any open one of the same person: only the newest link can work. The
 * ones it ends name it, so the list tells a replaced request from one an admin cancelled.
 */
export async function supersedeOpenRecoveries(db: Database, userId: string, now: Date, newer: string): Promise<number> {
  const rows = await db
    .update(mfaRecoveries)
    .set({ cancelledAt: now, replacedBy: newer })
    .where(and(eq(mfaRecoveries.userId, userId), ne(mfaRecoveries.id, newer), openAt(now)))
    .returning({ id: mfaRecoveries.id });
  return rows.length;
}

export async function findMfaRecovery(db: Database, id: string): Promise<MfaRecoveryRow | undefined> {
  const [row] = await db.select().from(mfaRecoveries).where(eq(mfaRecoveries.id, id));
  return row;
}

/**
 * The second admin's confirmation, once: of concurrent confirmations only one sees its row come
 * back, and it sets the link's hash and how long the link works.
 */
export async function confirmRecovery(
  db: Database,
  id: string,
  values: { confirmedBy: string; tokenHash: string; expiresAt: Date },
  now: Date,
): Promise<MfaRecoveryRow | undefined> {
  const [row] = await db
    .update(mfaRecoveries)
    .set({ ...values, confirmedAt: now })
    .where(and(eq(mfaRecoveries.id, id), eq(mfaRecoveries.needsConfirmation, true), isNull(mfaRecoveries.confirmedAt), openAt(now)))
    .returning();
  return row;
}

/** A link that can still be used: e-mailed, not used, cancelled or expired, for an account that is not suspended. */
export async function findUsableRecovery(db: Database, tokenHash: string, now: Date) {
  const [row] = await db
    .select({ recovery: mfaRecoveries, user: users })
    .from(mfaRecoveries)
    .innerJoin(users, eq(users.id, mfaRecoveries.userId))
    .where(and(eq(mfaRecoveries.tokenHash, tokenHash), openAt(now), isNull(users.suspendedAt)));
  return row;
}

/**
 * Cancels a recovery still open (not used, cancelled or expired), once: of concurrent cancels only
 * one sees its row come back. `byPerson` when the person cancelled it themselves, and why.
 */
export async function cancelRecovery(
  db: Database,
  id: string,
  now: Date,
  byPerson: MfaRecoveryRow['cancelledByPerson'] = null,
): Promise<MfaRecoveryRow | undefined> {
  const [row] = await db
    .update(mfaRecoveries)
    .set({ cancelledAt: now, cancelledByPerson: byPerson })
    .where(and(eq(mfaRecoveries.id, id), openAt(now)))
    .returning();
  return row;
}

/** The person's open recovery, if any (a newer request replaces an older one, so at most one is open). */
export async function findOpenRecoveryOf(db: Database, userId: string, now: Date): Promise<MfaRecoveryRow | undefined> {
  const [row] = await db
    .select()
    .from(mfaRecoveries)
    .where(and(eq(mfaRecoveries.userId, userId), openAt(now)))
    .orderBy(desc(mfaRecoveries.createdAt))
    .limit(1);
  return row;
}

/** Uses the link, once: of concurrent uses only one sees its row come back. */
export async function consumeRecovery(db: Database, id: string, now: Date): Promise<boolean> {
  const [used] = await db
    .update(mfaRecoveries)
    .set({ usedAt: now })
    .where(and(eq(mfaRecoveries.id, id), openAt(now)))
    .returning({ id: mfaRecoveries.id });
  return used !== undefined;
}

/** Recoveries of the last 30 days, newest first, for one agency's people or (null) everyone's. */
export async function listRecentRecoveries(db: Database, agencyId: string | null, since: Date) {
  return db
    .select({
      recovery: mfaRecoveries,
      userName: users.name,
      userRole: users.role,
      agencyId: users.agencyId,
      keys: { fingerprint: userKeys.fingerprint, createdAt: userKeys.createdAt },
    })
    .from(mfaRecoveries)
    .innerJoin(users, eq(users.id, mfaRecoveries.userId))
    .leftJoin(userKeys, eq(userKeys.userId, mfaRecoveries.userId))
    .where(and(gt(mfaRecoveries.createdAt, since), agencyId === null ? undefined : eq(users.agencyId, agencyId)))
    .orderBy(desc(mfaRecoveries.createdAt))
    .limit(200);
}

/**
 * Who hears about a recovery: the admins of the person's agency and, for a system admin (or
 * `withSystemAdmins`), the system admins — not suspended, never the person themselves.
 */
export async function recoveryAlertRecipients(
  db: Database,
  subject: { id: string; agencyId: string | null; role: string },
  withSystemAdmins = false,
): Promise<string[]> {
  const scopes = [];
  if (subject.agencyId !== null) scopes.push(and(eq(users.agencyId, subject.agencyId), eq(users.role, 'agency_admin')));
  if (subject.role === 'system_admin' || subject.agencyId === null || withSystemAdmins) scopes.push(eq(users.role, 'system_admin'));
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(or(...scopes), isNull(users.suspendedAt), sql`${users.id} <> ${subject.id}`));
  return rows.map((r) => r.id);
}
