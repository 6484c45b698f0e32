import { eq, getTableColumns, inArray } from 'drizzle-orm';
import type { Database } from '../db';
import { anyUuidPlaceholder, coalescedByUuids } from '../db/prepared';
import { keyBackups, keyClaims, userKeys, users } from '../db/schema';

export type UserKeysRow = typeof userKeys.$inferSelect;

export async function findUserKeys(db: Database, userId: string): Promise<UserKeysRow | undefined> {
  const [row] = await db.select().from(userKeys).where(eq(userKeys.userId, userId));
  return row;
}

// Read for every send (the sender's and recipients' keys), so concurrent reads coalesce.
const keysByUser = coalescedByUuids(
  (db) => db.select().from(userKeys).where(anyUuidPlaceholder(userKeys.userId, 'ids')).prepare('haven_keys_by_user'),
  (row) => row.userId,
);

export async function keysOfUsers(db: Database, userIds: string[]): Promise<UserKeysRow[]> {
  return keysByUser(db, userIds);
}

/** The directory's answer about people: their current keys and the agency whose admins vouch for them (crypto/key-trust.ts). */
export async function keysAndAgenciesOfUsers(db: Database, userIds: string[]): Promise<(UserKeysRow & { agencyId: string | null })[]> {
  if (userIds.length === 0) return [];
  return db
    .select({ ...getTableColumns(userKeys), agencyId: users.agencyId })
    .from(userKeys)
    .innerJoin(users, eq(users.id, userKeys.userId))
    .where(inArray(userKeys.userId, userIds));
}

/** Serialises one user's key publications (within a transaction), so a repeated request cannot log the same keys twice. */
export async function lockKeysOf(db: Database, userId: string): Promise<void> {
  await db.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('no key update');
}

/**
 * Claims public keys for a user and returns those that already belong to someone else. A
 * concurrent claim of the same key waits for the other transaction, then sees its owner.
 */
export async function claimKeys(db: Database, userId: string, publicKeys: string[], at: Date): Promise<string[]> {
  await db
    .insert(keyClaims)
    .values(publicKeys.map((publicKey) => ({ publicKey, userId, claimedAt: at })))
    .onConflictDoNothing();
  const owners = await db.select().from(keyClaims).where(inArray(keyClaims.publicKey, publicKeys));
  return owners.filter((claim) => claim.userId !== userId).map((claim) => claim.publicKey);
}

/** The directory keeps each user's current keys; history lives in the key log. */
export async function upsertUserKeys(db: Database, values: typeof userKeys.$inferInsert): Promise<void> {
  await db
    .insert(userKeys)
    .values(values)
    .onConflictDoUpdate({
      target: userKeys.userId,
      set: {
        signPublicKey: values.signPublicKey,
        boxPublicKey: values.boxPublicKey,
        fingerprint: values.fingerprint,
        possessionProof: values.possessionProof,
        createdAt: values.createdAt,
      },
    });
}

export async function saveKeyBackup(db: Database, userId: string, backup: Record<string, unknown>, at: Date): Promise<void> {
  await db
    .insert(keyBackups)
    .values({ userId, backup, updatedAt: at })
    .onConflictDoUpdate({ target: keyBackups.userId, set: { backup, updatedAt: at } });
}

export async function findKeyBackup(db: Database, userId: string): Promise<typeof keyBackups.$inferSelect | undefined> {
  const [row] = await db.select().from(keyBackups).where(eq(keyBackups.userId, userId));
  return row;
}
