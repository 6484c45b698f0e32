import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ready } from '../../crypto';
import { startWorkers, type RunningWorkers } from '../../workers/runner';
import { ApiClient } from '../support/client';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { offendingRiskRecord, welfareRecord } from '../support/practitioner';
import { OwnRedis } from '../support/redis-server';

// An operator's bad day: `redis-cli FLUSHALL` while the connection stays up removes every job
// schedule, and no reconnection says so. Workers must notice and declare them again, health must
// say what is wrong meanwhile, and nothing due may be lost or done twice.
let redis: OwnRedis;
let haven: TestHaven;
let workers: RunningWorkers | null = null;
const people = new People(() => haven);
const logLines: string[] = [];
const prefix = `job-schedules-${randomBytes(4).toString('hex')}`;

type Health = { status: string; degraded?: string[] };
const health = async () => (await new ApiClient(haven.url).get<Health>('/api/health')).body;

async function query<T extends Record<string, unknown>>(sql: string): Promise<T[]> {
  const client = await rawClient(haven.database.url);
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}
const escalations = async () => (await query<{ n: number }>(`select count(*)::int as n from notices where kind = 'obligation_escalation'`))[0]?.n ?? 0;
const sweepsFinished = async () =>
  (await query<{ at: Date | null }>(`select last_finished_at as at from job_runs where name = 'obligations.sweep'`))[0]?.at?.getTime() ?? 0;

function start(): Promise<RunningWorkers> {
  return startWorkers(haven.ctx, { redisUrl: redis.url, prefix }, pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) }));
}

beforeAll(async () => {
  await ready();
  redis = await OwnRedis.start();
  haven = await startTestHaven({
    seedDemo: true,
    redisUrl: redis.url,
    env: {
      HAVEN_QUEUE_PREFIX: prefix,
      HAVEN_OBLIGATION_SWEEP_SECONDS: '1',
      HAVEN_SCHEDULE_CHECK_SECONDS: '1',
      HAVEN_METRICS_TOKEN: 'metrics-token-for-job-schedule-tests',
    },
  });
});
afterAll(async () => {
  await workers?.close();
  await haven?.close();
  await redis?.stop();
});

describe('job schedules in a Redis that loses them', () => {
  it('health says degraded, naming why, while no worker keeps the schedules, and ok once one does', async () => {
    // Redis configured, but no worker has ever run.
    expect(await health()).toMatchObject({ status: 'degraded', degraded: expect.arrayContaining(['the schedule of obligations.sweep is missing from Redis']) });
    workers = await start();
    await vi.waitFor(async () => expect(await health()).toEqual({ status: 'ok', database: 'ok', redis: 'ok' }), { timeout: 10_000, interval: 200 });

    await vi.waitFor(async () => expect(await sweepsFinished()).toBeGreaterThan(0), { timeout: 10_000, interval: 200 });

    // The worker stops; then Redis is flushed: the schedules are gone and the sweep stops running.
    await workers.close();
    workers = null;
    await redis.command((r) => r.flushall());
    const now = await health();
    expect(now.status).toBe('degraded');
    expect(now.degraded).toEqual(
      expect.arrayContaining(['the schedule of obligations.sweep is missing from Redis', 'the schedule of retention.run is missing from Redis']),
    );
    await vi.waitFor(
      async () =>
        expect((await health()).degraded).toEqual(
          expect.arrayContaining([expect.stringMatching(/^obligations\.sweep has not run for \d+ s \(it runs every 1 s\)$/)]),
        ),
      {
        timeout: 10_000,
        interval: 250,
      },
    );
  });

  it('a flush under a running worker: the schedules come back by themselves, and the next due escalation happens once, on time', async () => {
    workers = await start();
    await vi.waitFor(async () => expect((await health()).status).toBe('ok'), { timeout: 10_000, interval: 200 });

    // An emergency verbal share whose written record is already overdue.
    const ruth = await people.as('Ruth');
    const alexId = (await ruth.get<{ people: { id: string }[] }>('/api/people?name=Alex')).body.people[0]?.id ?? '';
    const callum = (await ruth.get<{ children: { id: string }[] }>('/api/children?name=Callum+Byrne')).body.children[0]?.id ?? '';
    expect((await ruth.post(`/api/children/${callum}/offending-risk`, { reason: 'Youth offending panel referral' })).status).toBe(200);
    expect((await ruth.post(`/api/children/${callum}/case-officers`, { userId: alexId, record: welfareRecord })).status).toBe(200);

    logLines.length = 0;
    // The flush and the look at what is left in one transaction: a worker busy with a job may write
    // its keys back the moment after, which is the recovery under test, not a failed flush.
    const [, left] = (await redis.command((r) => r.multi().flushall().keys(`${prefix}:*`).exec())) ?? [];
    expect(left).toEqual([null, []]);
    const share = await ruth.post(`/api/children/${callum}/verbal-shares`, {
      occurredAt: new Date(Date.now() - 10 * 86_400_000).toISOString(),
      tier: 'offending_risk',
      emergency: true,
      participants: [{ userId: alexId }],
      record: offendingRiskRecord,
    });
    expect(share.status).toBe(201);

    // Within a few check and sweep intervals (1 s each): declared again, swept, escalated.
    await vi.waitFor(async () => expect(await escalations()).toBe(1), { timeout: 15_000, interval: 200 });
    // Three more sweeps later, still exactly once.
    const seen = await sweepsFinished();
    let sweeps = 0;
    let last = seen;
    await vi.waitFor(
      async () => {
        const now = await sweepsFinished();
        if (now > last) {
          sweeps += 1;
          last = now;
        }
        expect(sweeps).toBeGreaterThanOrEqual(3);
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(await escalations()).toBe(1);

    // Warned once per schedule lost, counted where every process can see it, and healthy again.
    const warnings = logLines.filter((l) => l.includes('a job schedule was missing from Redis'));
    expect(warnings.filter((l) => l.includes('"job":"obligations.sweep"'))).toHaveLength(1);
    const counted = await query<{ name: string; redeclared: number }>(`select name, redeclared from job_runs order by name`);
    expect(
      counted.every((row) => row.redeclared >= 1),
      JSON.stringify(counted),
    ).toBe(true);
    const metrics = await fetch(`${haven.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-for-job-schedule-tests' } });
    const text = await metrics.text();
    expect(text).toMatch(/haven_job_schedules_redeclared\{job="obligations\.sweep"\} [1-9]/);
    expect(text).toMatch(/haven_job_last_finished_timestamp_seconds\{job="obligations\.sweep"\} \d/);
    expect((await health()).status).toBe('ok');
  }, 60_000);
});
