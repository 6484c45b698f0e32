import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { JOB_NAMES } from '../../workers/jobs';
import { startWorkers, type RunningWorkers } from '../../workers/runner';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let haven: TestHaven;
let workers: RunningWorkers;
const prefix = `haven-test-${randomBytes(4).toString('hex')}`;
const people = new People(() => haven);
beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true });
  workers = await startWorkers(haven.ctx, { redisUrl: REDIS_URL, prefix }, pino({ level: 'silent' }));
});
afterAll(async () => {
  await workers.queue.obliterate({ force: true });
  await workers.close();
  await haven.close();
});

describe('housekeeping worker (BullMQ on Redis)', () => {
  it('declares one schedule per job, however often it starts', async () => {
    const second = await startWorkers(haven.ctx, { redisUrl: REDIS_URL, prefix }, pino({ level: 'silent' }));
    await second.close();
    const schedulers = await workers.queue.getJobSchedulers();
    expect(schedulers.map((s) => s.key).sort()).toEqual([...JOB_NAMES].sort());
  });

  it('purges expired sessions and keeps live ones', async () => {
    const live = await people.as('Jordan');
    const client = await rawClient(haven.database.url);
    try {
      await client.query(
        `insert into sessions (token_hash, user_id, stage, expires_at) select 'expired-' || id, id, 'active', now() - interval '1 hour' from users`,
      );
      const done = new Promise((resolve) => workers.worker.once('completed', (_job, result) => resolve(result)));
      await workers.queue.add('housekeeping.purge-expired', {});
      expect(await done).toMatchObject({ sessions: 7 });
      const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from sessions where token_hash like 'expired-%'`);
      expect(rows[0]?.n).toBe(0);
      expect((await live.get<{ session: unknown }>('/api/session')).body.session).not.toBeNull();
    } finally {
      await client.end();
    }
  });

  it('fails a job with a bad payload instead of guessing', async () => {
    const failed = vi.fn();
    workers.worker.once('failed', failed);
    await workers.queue.add('housekeeping.purge-expired', { unexpected: true });
    await vi.waitFor(() => expect(failed).toHaveBeenCalled(), { timeout: 10_000 });
  });
});
