import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hitThrottles } from '../../server/accounts/sessions.store';
import { findChild } from '../../server/children/children.store';
import { coalescedRows, coalescing } from '../../server/db/coalesce';
import { createTestDatabase, type TestDatabase } from '../support/database';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.drop());

describe('coalesced lookups on the real database', () => {
  it('answers callers who ask together with one query, each with the rows of its own keys', async () => {
    const batches: string[][] = [];
    const squares = coalescedRows(
      async (db, keys: string[]) => {
        batches.push(keys);
        const list = sql.join(
          keys.map((k) => sql`${k}`),
          sql`, `,
        );
        return db.select({ key: sql<string>`k`, square: sql<number>`k::int * k::int` }).from(sql`unnest(array[${list}]::text[]) as k`);
      },
      (row) => row.key,
    );
    const db = database.handle.db;
    const answers = await Promise.all([squares(db, ['2', '3']), squares(db, ['3']), squares(db, ['4', '2', '4']), squares(db, [])]);
    expect(answers.map((rows) => rows.map((r) => Number(r.square)))).toEqual([[4, 9], [9], [16, 4], []]);
    expect(batches).toHaveLength(1);
    expect([...(batches[0] ?? [])].sort()).toEqual(['2', '3', '4']);

    await squares(db, ['5']);
    expect(batches).toHaveLength(2);
  });

  it('fails every caller of a failed query and lets the next batch through', async () => {
    let calls = 0;
    const flaky = coalescing(async (db, items: number[]) => {
      calls += 1;
      if (calls === 1) await db.execute(sql`select 1/0`);
      return items.map((n) => n + 1);
    });
    const db = database.handle.db;
    const first = await Promise.allSettled([flaky(db, 1), flaky(db, 2)]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await Promise.all([flaky(db, 1), flaky(db, 2)])).toEqual([2, 3]);
    expect(calls).toBe(2);
  });

  it('does not let one caller’s malformed id fail the lookup for the others', async () => {
    const db = database.handle.db;
    const found = await Promise.all([findChild(db, 'not-a-uuid'), findChild(db, '00000000-0000-4000-8000-000000000000')]);
    expect(found).toEqual([undefined, undefined]);
  });
});

describe('throttles counted together', () => {
  it('gives concurrent hits on one key each a count of its own, as if they came one by one', async () => {
    const db = database.handle.db;
    const now = new Date('2026-11-26T10:00:00Z');
    const hits = await Promise.all(Array.from({ length: 12 }, (_, i) => hitThrottles(db, ['send:user:a', `send:address:${i % 2}`], now, 60_000)));
    expect(hits.map(([user]) => user?.count).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    for (const address of ['send:address:0', 'send:address:1']) {
      const counts = hits.flatMap((h) => h.filter((r) => r.key === address).map((r) => r.count)).sort((a, b) => a - b);
      expect(counts).toEqual([1, 2, 3, 4, 5, 6]);
    }
    const [again] = await hitThrottles(db, ['send:user:a'], new Date(now.getTime() + 1_000), 60_000);
    expect(again?.count).toBe(13);
  });

  it('starts a new window at one once the old one has passed', async () => {
    const db = database.handle.db;
    const now = new Date('2026-11-26T11:00:00Z');
    await Promise.all([hitThrottles(db, ['k'], now, 60_000), hitThrottles(db, ['k'], now, 60_000)]);
    const later = new Date(now.getTime() + 61_000);
    const counts = await Promise.all([hitThrottles(db, ['k'], later, 60_000), hitThrottles(db, ['k'], later, 60_000)]);
    expect(counts.map(([r]) => r?.count).sort()).toEqual([1, 2]);
    expect(counts[0]?.[0]?.resetAt.getTime()).toBe(later.getTime() + 60_000);
  });
});
