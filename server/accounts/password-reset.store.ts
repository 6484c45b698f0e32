import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../db';
import { passwordResets, users } from '../db/schema';

export async function insertPasswordReset(db: Database, values: { userId: string; tokenHash: string; createdAt: Date; expiresAt: Date }): Promise<void> {
  await db.insert(passwordResets).values(values);
}

/** A reset that can still be used: not used, not expired, for an account that is not suspended. */
export async function findUsableReset(db: Database, tokenHash: string, now: Date) {
  const [row] = await db
    .select({ reset: passwordResets, user: users })
    .from(passwordResets)
    .innerJoin(users, eq(users.id, passwordResets.userId))
    .where(and(eq(passwordResets.tokenHash, tokenHash), isNull(passwordResets.usedAt), gt(passwordResets.expiresAt, now), isNull(users.suspendedAt)));
  return row;
}

/**
 * Uses the reset, once: of concurrent uses only one sees its row come back. Every other link of
 * the same account is used up with it, so an older e-mail cannot change the new password.
 */
export async function consumeResets(db: Database, resetId: string, userId: string, now: Date): Promise<boolean> {
  const [used] = await db
    .update(passwordResets)
    .set({ usedAt: now })
    .where(and(eq(passwordResets.id, resetId), isNull(passwordResets.usedAt), gt(passwordResets.expiresAt, now)))
    .returning({ id: passwordResets.id });
  if (!used) return false;
  await db
    .update(passwordResets)
    .set({ usedAt: now })
    .where(and(eq(passwordResets.userId, userId), isNull(passwordResets.usedAt)));
  return true;
}
