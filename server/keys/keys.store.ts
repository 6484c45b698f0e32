import { eq } from 'drizzle-orm';
import type { Database } from '../db';
import { anyUuidPlaceholder, coalescedByUuids } from '../db/prepared';
import { keyBackups, userKeys } from '../db/schema';

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

/** The directory keeps each user's current keys; history lives in the key log. */
export async function upsertUserKeys(db: Database, values: typeof userKeys.$inferInsert): Promise<void> {
  await db
    .insert(userKeys)
    .values(values)
    .onConflictDoUpdate({
      target: userKeys.userId,
      set: { signPublicKey: values.signPublicKey, boxPublicKey: values.boxPublicKey, fingerprint: values.fingerprint, createdAt: values.createdAt },
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
