import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db';
import { agencies, invites, users, verifications } from '../db/schema';
import { uniqueOr } from '../db/unique-violation';
import { ConflictError } from '../errors';
import { userStatusOn } from './verification-rules';

export type UserRow = typeof users.$inferSelect;
export type VerificationRow = typeof verifications.$inferSelect;
export type InviteRow = typeof invites.$inferSelect;
export type AgencyRow = typeof agencies.$inferSelect;

export interface UserRecord {
  user: UserRow;
  agency: AgencyRow | null;
  verification: VerificationRow | null;
}

export async function findUserByEmail(db: Database, email: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${email.toLowerCase()}`);
  return row;
}

export async function countUsers(db: Database): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(users);
  return row?.n ?? 0;
}

/** Users with their agency and their newest verification. */
export async function loadUserRecords(
  db: Database,
  where: { ids?: string[]; agencyId?: string; role?: (typeof users.$inferSelect)['role'] },
): Promise<UserRecord[]> {
  const conditions = [];
  if (where.ids) conditions.push(inArray(users.id, where.ids.length ? where.ids : ['00000000-0000-0000-0000-000000000000']));
  if (where.agencyId) conditions.push(eq(users.agencyId, where.agencyId));
  if (where.role) conditions.push(eq(users.role, where.role));
  const latestVerifications = (ids: string[]) =>
    db
      .selectDistinctOn([verifications.userId])
      .from(verifications)
      .where(inArray(verifications.userId, ids))
      .orderBy(verifications.userId, desc(verifications.verifiedAt));
  // Asked for by id (every request's session), the verifications are read alongside the users.
  const [rows, known] = await Promise.all([
    db
      .select({ user: users, agency: agencies })
      .from(users)
      .leftJoin(agencies, eq(agencies.id, users.agencyId))
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(users.name),
    where.ids?.length && !where.agencyId ? latestVerifications(where.ids) : null,
  ]);
  if (rows.length === 0) return [];
  const latest = known ?? (await latestVerifications(rows.map((r) => r.user.id)));
  const byUser = new Map(latest.map((v) => [v.userId, v]));
  return rows.map((r) => ({ user: r.user, agency: r.agency, verification: byUser.get(r.user.id) ?? null }));
}

export async function loadUserRecord(db: Database, id: string): Promise<UserRecord | undefined> {
  const [record] = await loadUserRecords(db, { ids: [id] });
  return record;
}

export const emailInUse = () =>
  new ConflictError('email_in_use', 'An account with this email address already exists. Sign in instead, or ask your agency admin.');

/** Fails with `email_in_use` when the address has an account, even one created a moment ago by a concurrent request. */
export async function insertUser(db: Database, values: typeof users.$inferInsert): Promise<UserRow> {
  const [row] = await uniqueOr(db.insert(users).values(values).returning(), emailInUse);
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function updateUser(db: Database, id: string, values: Partial<typeof users.$inferInsert>): Promise<void> {
  await db.update(users).set(values).where(eq(users.id, id));
}

export async function insertVerification(db: Database, values: typeof verifications.$inferInsert): Promise<void> {
  await db.insert(verifications).values(values);
}

export async function insertInvite(db: Database, values: typeof invites.$inferInsert): Promise<InviteRow> {
  const [row] = await db.insert(invites).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function findInviteByTokenHash(db: Database, tokenHash: string): Promise<{ invite: InviteRow; agency: AgencyRow } | undefined> {
  const [row] = await db
    .select({ invite: invites, agency: agencies })
    .from(invites)
    .innerJoin(agencies, eq(agencies.id, invites.agencyId))
    .where(eq(invites.tokenHash, tokenHash));
  return row;
}

/** Marks an invite used; false when another request used it first (single use under concurrency). */
export async function claimInvite(db: Database, id: string, at: Date): Promise<boolean> {
  const claimed = await db
    .update(invites)
    .set({ usedAt: at })
    .where(and(eq(invites.id, id), isNull(invites.usedAt)))
    .returning({ id: invites.id });
  return claimed.length === 1;
}

export async function userNames(db: Database, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select({ id: users.id, name: users.name }).from(users).where(inArray(users.id, ids));
  return new Map(rows.map((r) => [r.id, r.name]));
}

/**
 * Serialises the command line's making of system admins: each operator's transaction counts the
 * admins who can act only once the one before it has committed, so of several at once one makes an
 * admin and the others see it.
 */
export async function lockSystemAdminCreation(tx: Database): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('haven/create-system-admin'))`);
}

/**
 * System admins who could act from the web today, `except` one: not suspended, and verified with a
 * verification that has not lapsed (userStatusOn). One whose vetting or training is overdue can
 * neither verify nor recover anyone, so the command line must not count on them.
 */
export async function countActiveSystemAdmins(db: Database, today: string, except?: string): Promise<number> {
  const admins = await loadUserRecords(db, { role: 'system_admin' });
  return admins.filter((r) => r.user.id !== except && userStatusOn(today, r.user, r.verification) === 'verified').length;
}
