import { and, asc, eq, lt, sql } from 'drizzle-orm';
import type { Database } from '../db';
import { passkeyChallenges, passkeys } from '../db/schema';

export type PasskeyRow = typeof passkeys.$inferSelect;
export type ChallengePurpose = (typeof passkeyChallenges.$inferSelect)['purpose'];

export async function insertPasskey(db: Database, values: typeof passkeys.$inferInsert): Promise<PasskeyRow> {
  const [row] = await db.insert(passkeys).values(values).returning();
  if (!row) throw new Error('passkey insert returned no row');
  return row;
}

/**
 * Serialises adding passkeys for one person, so the limit is counted where the row is written:
 * two registrations begun with one slot left cannot both land.
 */
export async function lockPasskeysOf(tx: Database, userId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('haven/passkeys'), hashtext(${userId}))`);
}

export async function passkeysOf(db: Database, userId: string): Promise<PasskeyRow[]> {
  return db.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(asc(passkeys.createdAt));
}

export async function findPasskeyByCredentialId(db: Database, credentialId: string): Promise<PasskeyRow | undefined> {
  const [row] = await db.select().from(passkeys).where(eq(passkeys.credentialId, credentialId));
  return row;
}

export async function deletePasskey(db: Database, userId: string, id: string): Promise<PasskeyRow | undefined> {
  const [row] = await db
    .delete(passkeys)
    .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
    .returning();
  return row;
}

/** Removes every passkey of a person (their second factors are replaced after a recovery); returns how many. */
export async function deleteUserPasskeys(db: Database, userId: string): Promise<number> {
  const rows = await db.delete(passkeys).where(eq(passkeys.userId, userId)).returning({ id: passkeys.id });
  return rows.length;
}

/**
 * Records a use: the counter moves on only from the value that was checked, so of two uses of
 * the same signature racing each other at most one is accepted.
 */
export async function recordPasskeyUse(db: Database, id: string, checkedCounter: number, newCounter: number, now: Date): Promise<boolean> {
  const rows = await db
    .update(passkeys)
    .set({ counter: newCounter, lastUsedAt: now })
    .where(and(eq(passkeys.id, id), eq(passkeys.counter, checkedCounter)))
    .returning({ id: passkeys.id });
  return rows.length === 1;
}

export async function insertChallenge(db: Database, values: typeof passkeyChallenges.$inferInsert): Promise<void> {
  await db.insert(passkeyChallenges).values(values);
}

/**
 * Takes a challenge for one use: it is deleted whether or not what it was asked for then
 * succeeds, so a challenge is never answered twice. Only an unexpired challenge of this purpose
 * and session counts.
 */
export async function takeChallenge(
  db: Database,
  challengeHash: string,
  purpose: ChallengePurpose,
  sessionTokenHash: string | null,
  now: Date,
): Promise<boolean> {
  const [row] = await db.delete(passkeyChallenges).where(eq(passkeyChallenges.challengeHash, challengeHash)).returning();
  return row !== undefined && row.purpose === purpose && row.sessionTokenHash === sessionTokenHash && row.expiresAt > now;
}

export async function deleteExpiredChallenges(db: Database, now: Date): Promise<number> {
  const rows = await db.delete(passkeyChallenges).where(lt(passkeyChallenges.expiresAt, now)).returning({ h: passkeyChallenges.challengeHash });
  return rows.length;
}
