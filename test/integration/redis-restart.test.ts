import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ready } from '../../crypto';
import { startWorkers, type RunningWorkers } from '../../workers/runner';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { OwnRedis } from '../support/redis-server';
import { Practitioner, offendingRiskRecord, startConversation, welfareRecord } from '../support/practitioner';

// A Redis server of this test's own, so restarting it disturbs no other test.
let redis: OwnRedis;
let haven: TestHaven;
let workers: RunningWorkers;
const people = new People(() => haven);
const startRedis = () => redis.start();
const stopRedis = () => redis.stop();

async function noticeCount(): Promise<number> {
  const client = await rawClient(haven.database.url);
  try {
    return (await client.query<{ n: number }>('select count(*)::int as n from notices')).rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await ready();
  redis = await OwnRedis.start();
  const redisUrl = redis.url;
  haven = await startTestHaven({ seedDemo: true, redisUrl, env: { HAVEN_OBLIGATION_SWEEP_SECONDS: '1' } });
  workers = await startWorkers(haven.ctx, { redisUrl, prefix: 'redis-restart' }, pino({ level: 'silent' }));
});
afterAll(async () => {
  await workers.close();
  await haven.close();
  await stopRedis();
});

describe('Redis restarted under load', () => {
  it('messaging carries on, jobs resume, and no obligation is lost or notified twice', async () => {
    const jordan = new Practitioner(await people.as('Jordan'));
    const morgan = new Practitioner(await people.as('Morgan'));
    await jordan.publishKeys();
    await morgan.publishKeys();
    await jordan.connect();
    await morgan.connect();
    const thread = await startConversation(jordan, [morgan], 'Lily Hartwell');

    await stopRedis();
    // Redis is down: messages still go through and arrive.
    const during = jordan.seal(thread, [morgan], 'while Redis is down');
    expect(await jordan.send(during)).toMatchObject({ ok: true });
    await vi.waitFor(() => expect(morgan.received.map((m) => m.id)).toContain(during.header.id));

    // An obligation that falls due while Redis is down.
    const ruth = await people.as('Ruth');
    const alexId = (await ruth.get<{ people: { id: string }[] }>('/api/people?name=Alex')).body.people[0]?.id ?? '';
    const callum = (await ruth.get<{ children: { id: string }[] }>('/api/children?name=Callum+Byrne')).body.children[0]?.id ?? '';
    await ruth.post(`/api/children/${callum}/offending-risk`, { reason: 'Youth offending panel referral' });
    await ruth.post(`/api/children/${callum}/case-officers`, { userId: alexId, record: welfareRecord });
    const share = await ruth.post(`/api/children/${callum}/verbal-shares`, {
      occurredAt: new Date(Date.now() - 10 * 86_400_000).toISOString(),
      tier: 'offending_risk',
      emergency: true,
      participants: [{ userId: alexId }],
      record: offendingRiskRecord,
    });
    expect(share.status).toBe(201);
    expect(await noticeCount()).toBe(0);

    // Redis comes back empty: the schedules are declared again and the sweep catches up, once.
    await startRedis();
    await vi.waitFor(async () => expect(await noticeCount()).toBe(2), { timeout: 20_000, interval: 200 });
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await noticeCount()).toBe(2);
    const after = jordan.seal(thread, [morgan], 'after Redis is back');
    expect(await jordan.send(after)).toMatchObject({ ok: true });
    jordan.disconnect();
    morgan.disconnect();
  }, 60_000);
});
