import { desc, eq, lt, sql } from 'drizzle-orm';
import type { Database } from '../db';
import { coalescedRows, coalescing } from '../db/coalesce';
import { anyTextPlaceholder, preparedFor, textArrayLiteral } from '../db/prepared';
import { agencies, sessions, throttles, users, verifications } from '../db/schema';
import type { UserRecord } from './accounts.store';

export type SessionRow = typeof sessions.$inferSelect;
export type SessionStage = SessionRow['stage'];

export async function insertSession(db: Database, values: typeof sessions.$inferInsert): Promise<void> {
  await db.insert(sessions).values(values);
}

// Every request and socket event starts here, so the reads coalesce: concurrent sends resolve
// their sessions in one round trip. The session, its user, agency and newest verification come
// in one query (a lateral join picks the newest verification for each session's user).
const sessionRecordsQuery = preparedFor((db) => {
  const newest = db.select().from(verifications).where(eq(verifications.userId, sessions.userId)).orderBy(desc(verifications.verifiedAt)).limit(1).as('newest');
  return db
    .select({
      session: sessions,
      user: users,
      agency: agencies,
      verification: {
        id: newest.id,
        userId: newest.userId,
        role: newest.role,
        verifiedBy: newest.verifiedBy,
        verifiedAt: newest.verifiedAt,
        identityCheckedBy: newest.identityCheckedBy,
        identityCheckedOn: newest.identityCheckedOn,
        vettingCheckedOn: newest.vettingCheckedOn,
        trainingCompletedOn: newest.trainingCompletedOn,
        expiresOn: newest.expiresOn,
      },
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(agencies, eq(agencies.id, users.agencyId))
    .leftJoinLateral(newest, sql`true`)
    .where(anyTextPlaceholder(sessions.tokenHash, 'hashes'))
    .prepare('haven_session_records');
});
const sessionRecords = coalescedRows(
  (db, hashes: string[]) => sessionRecordsQuery(db).execute({ hashes: textArrayLiteral(hashes) }),
  (row) => row.session.tokenHash,
);

/** A session that has not expired, with its user's record (user, agency, newest verification). */
export async function findLiveSession(db: Database, tokenHash: string, now: Date): Promise<{ session: SessionRow; record: UserRecord } | undefined> {
  const [row] = await sessionRecords(db, [tokenHash]);
  if (!row || row.session.expiresAt <= now) return undefined;
  return { session: row.session, record: { user: row.user, agency: row.agency, verification: row.verification } };
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

interface Hit {
  key: string;
  now: Date;
  windowMs: number;
}

/**
 * Hits asked for together go in one statement per window length: each key's count goes up by
 * its number of hits, and each hit is told the count as it stood after it (the first of three
 * hits on a key at 5 is told 6, the last 8), as if they had come one by one. Keys are locked in
 * sorted order, so two statements counting the same keys wait for each other rather than deadlock.
 */
const countHits = coalescing(async (db: Database, hits: Hit[]) => {
  const results: { count: number; resetAt: Date }[] = [];
  for (const windowMs of new Set(hits.map((hit) => hit.windowMs))) {
    const group = hits.flatMap((hit, i) => (hit.windowMs === windowMs ? [{ hit, i }] : []));
    const now = new Date(Math.max(...group.map(({ hit }) => hit.now.getTime())));
    const resetAt = new Date(now.getTime() + windowMs);
    const added = new Map<string, number>();
    for (const { hit } of group) added.set(hit.key, (added.get(hit.key) ?? 0) + 1);
    const rows = await db
      .insert(throttles)
      .values([...added.keys()].sort().map((key) => ({ key, count: added.get(key) ?? 1, resetAt })))
      .onConflictDoUpdate({
        target: throttles.key,
        set: {
          count: sql`case when ${throttles.resetAt} <= ${now.toISOString()}::timestamptz then excluded.count else ${throttles.count} + excluded.count end`,
          resetAt: sql`case when ${throttles.resetAt} <= ${now.toISOString()}::timestamptz then ${resetAt.toISOString()}::timestamptz else ${throttles.resetAt} end`,
        },
      })
      .returning({ key: throttles.key, count: throttles.count, resetAt: throttles.resetAt });
    const counted = new Map(rows.map((row) => [row.key, { ...row, seen: 0 }]));
    for (const { hit, i } of group) {
      const row = counted.get(hit.key);
      if (!row) throw new Error('throttle upsert returned no row');
      row.seen += 1;
      results[i] = { count: row.count - (added.get(hit.key) ?? 1) + row.seen, resetAt: row.resetAt };
    }
  }
  return results;
});

/**
 * Counts one hit against each key (fixed windows of `windowMs`), and returns the counts in the
 * order of `keys`. Concurrent callers are counted together (see `countHits`), so none can slip
 * under a limit.
 */
export async function hitThrottles(db: Database, keys: string[], now: Date, windowMs: number): Promise<{ key: string; count: number; resetAt: Date }[]> {
  return Promise.all([...new Set(keys)].map(async (key) => ({ key, ...(await countHits(db, { key, now, windowMs })) })));
}

export async function deleteExpiredThrottles(db: Database, now: Date): Promise<number> {
  const rows = await db.delete(throttles).where(lt(throttles.resetAt, now)).returning({ key: throttles.key });
  return rows.length;
}
