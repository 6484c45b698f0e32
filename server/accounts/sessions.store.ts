import { and, eq, gt, lt, sql } from 'drizzle-orm';
import type { Database } from '../db';
import { sessions, throttles } from '../db/schema';

export type SessionRow = typeof sessions.$inferSelect;
export type SessionStage = SessionRow['stage'];

export async function insertSession(db: Database, values: typeof sessions.$inferInsert): Promise<void> {
  await db.insert(sessions).values(values);
}

export async function findLiveSession(db: Database, tokenHash: string, now: Date): Promise<SessionRow | undefined> {
  const [row] = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now)));
  return row;
}

export async function deleteSession(db: Database, tokenHash: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}

export async function deleteUserSessions(db: Database, userId: string): Promise<string[]> {
  const rows = await db.delete(sessions).where(eq(sessions.userId, userId)).returning({ tokenHash: sessions.tokenHash });
  return rows.map((r) => r.tokenHash);
}

export async function deleteExpiredSessions(db: Database, now: Date): Promise<number> {
  const rows = await db.delete(sessions).where(lt(sessions.expiresAt, now)).returning({ tokenHash: sessions.tokenHash });
  return rows.length;
}

/**
 * Fixed-window counter: adds one hit to `key` and returns the count in the current window
 * and when it resets. One statement, so concurrent requests cannot both slip under the limit.
 */
export async function hitThrottle(db: Database, key: string, now: Date, windowMs: number): Promise<{ count: number; resetAt: Date }> {
  const [row] = await hitThrottles(db, [key], now, windowMs);
  if (!row) throw new Error('throttle upsert returned no row');
  return row;
}

/**
 * Counts one hit against each key (fixed windows of `windowMs`) in one statement, and returns
 * the counts in the order of `keys`. Keys are locked in sorted order, so two callers counting
 * the same keys wait for each other rather than deadlock.
 */
export async function hitThrottles(db: Database, keys: string[], now: Date, windowMs: number): Promise<{ key: string; count: number; resetAt: Date }[]> {
  const resetAt = new Date(now.getTime() + windowMs);
  const rows = await db
    .insert(throttles)
    .values([...new Set(keys)].sort().map((key) => ({ key, count: 1, resetAt })))
    .onConflictDoUpdate({
      target: throttles.key,
      set: {
        count: sql`case when ${throttles.resetAt} <= ${now.toISOString()}::timestamptz then 1 else ${throttles.count} + 1 end`,
        resetAt: sql`case when ${throttles.resetAt} <= ${now.toISOString()}::timestamptz then ${resetAt.toISOString()}::timestamptz else ${throttles.resetAt} end`,
      },
    })
    .returning({ key: throttles.key, count: throttles.count, resetAt: throttles.resetAt });
  const byKey = new Map(rows.map((r) => [r.key, r]));
  return keys.map((key) => {
    const row = byKey.get(key);
    if (!row) throw new Error('throttle upsert returned no row');
    return row;
  });
}

export async function deleteExpiredThrottles(db: Database, now: Date): Promise<number> {
  const rows = await db.delete(throttles).where(lt(throttles.resetAt, now)).returning({ key: throttles.key });
  return rows.length;
}
