import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../server/audit';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { offendingRiskRecord, welfareRecord } from '../support/practitioner';
import { entryArgs } from '../support/compiled-entries';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `haven-crash-${randomBytes(4).toString('hex')}`;
const OBLIGATIONS = 6;
let haven: TestHaven;
const people = new People(() => haven);
const running: ChildProcess[] = [];

function startWorkerProcess(): ChildProcess {
  const child = spawn(process.execPath, entryArgs('workers'), {
    env: { ...process.env, ...haven.env, REDIS_URL, HAVEN_QUEUE_PREFIX: PREFIX, HAVEN_OBLIGATION_SWEEP_SECONDS: '1', LOG_LEVEL: 'warn' },
    stdio: 'ignore',
    detached: true,
  });
  running.push(child);
  return child;
}

async function noticeCounts(): Promise<{ total: number; distinct: number }> {
  const client = await rawClient(haven.database.url);
  try {
    const { rows } = await client.query<{ total: number; distinct: number }>(
      'select count(*)::int as total, count(distinct (obligation_id, kind, round, user_id))::int as "distinct" from notices',
    );
    return rows[0] ?? { total: 0, distinct: 0 };
  } finally {
    await client.end();
  }
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, ms: number): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() - started > ms) throw new Error(`timed out; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true });
  const ruth = await people.as('Ruth');
  const alexId = (await ruth.get<{ people: { id: string }[] }>('/api/people?name=Alex')).body.people[0]?.id ?? '';
  const callumId = (await ruth.get<{ children: { id: string }[] }>('/api/children?name=Callum+Byrne')).body.children[0]?.id ?? '';
  await ruth.post(`/api/children/${callumId}/offending-risk`, { reason: 'Youth offending panel referral' });
  await ruth.post(`/api/children/${callumId}/case-officers`, { userId: alexId, record: welfareRecord });
  // Emergency shares ten days ago: every obligation is already overdue, so each needs a reminder and an escalation now.
  for (let i = 0; i < OBLIGATIONS; i++) {
    const res = await ruth.post(`/api/children/${callumId}/verbal-shares`, {
      occurredAt: new Date(Date.now() - 10 * 86_400_000 - i * 60_000).toISOString(),
      tier: 'offending_risk',
      emergency: true,
      participants: [{ userId: alexId }],
      record: offendingRiskRecord,
    });
    expect(res.status).toBe(201);
  }
});

afterAll(async () => {
  for (const child of running) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await haven.close();
});

describe('deadline workers survive crashes and a flushed Redis', () => {
  it('SIGKILL mid-sweep, wipe the queue, restart: every reminder and escalation happens exactly once', { timeout: 150_000 }, async () => {
    const first = startWorkerProcess();
    // Kill it as soon as it has started acting, in the middle of its first sweep.
    await waitFor(noticeCounts, (c) => c.total > 0, 60_000);
    if (first.pid) process.kill(-first.pid, 'SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const afterCrash = await noticeCounts();

    // Redis loses everything it knew about the schedule.
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${PREFIX}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();

    const second = startWorkerProcess();
    // One reminder to the officer and one escalation to the agency admin per obligation.
    const final = await waitFor(noticeCounts, (c) => c.total >= OBLIGATIONS * 2, 60_000);
    // Let it run a few more sweeps: nothing may be sent again.
    await new Promise((r) => setTimeout(r, 3_000));
    if (second.pid) process.kill(-second.pid, 'SIGKILL');
    const settled = await noticeCounts();
    expect(afterCrash.total).toBeLessThanOrEqual(OBLIGATIONS * 2);
    expect(final.total).toBe(OBLIGATIONS * 2);
    expect(settled).toEqual({ total: OBLIGATIONS * 2, distinct: OBLIGATIONS * 2 });

    const client = await rawClient(haven.database.url);
    try {
      const { rows } = await client.query<{ open: number; reminded: number; escalated: number }>(
        `select count(*)::int as open, count(reminded_at)::int as reminded, count(*) filter (where escalations >= 1)::int as escalated
           from obligations where discharged_at is null and cancelled_at is null`,
      );
      expect(rows[0]).toEqual({ open: OBLIGATIONS, reminded: OBLIGATIONS, escalated: OBLIGATIONS });
    } finally {
      await client.end();
    }
    expect((await verifyAuditChain(haven.database.handle.db)).ok).toBe(true);
  });
});
