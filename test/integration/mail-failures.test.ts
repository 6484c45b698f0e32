import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ready } from '../../crypto';
import { queueNotices } from '../../server/notifications';
import { MAIL_QUEUE_NAME, mailQueue } from '../../server/notifications/mail-queue';
import { startWorkers, type RunningWorkers } from '../../workers/runner';
import { ApiClient } from '../support/client';
import { havenCommand } from '../support/commands';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { mailEnv, outboxRows } from '../support/mail-outbox';
import { People } from '../support/people';
import { OwnRedis } from '../support/redis-server';
import { TestSmtpServer } from '../support/smtp';

// Never lost, never twice: an SMTP server that goes away, workers that stop before sending or die
// while sending, a Redis that loses the jobs, a recipient refused for good. The outbox row is the
// truth; the SMTP server started here counts the Message-IDs it receives.
const TOKEN = 'metrics-token-for-mail-failure-tests';
let redis: OwnRedis;
let smtp: TestSmtpServer;
let haven: TestHaven;
let workers: RunningWorkers | null = null;
const people = new People(() => haven);
const logLines: string[] = [];
const prefix = `mail-failures-${randomBytes(4).toString('hex')}`;

const address = (name: string) => haven.account(name).email;
const suspendedMail = (name: string) => smtp.to(address(name)).filter((m) => m.subject === 'Your Haven account is suspended');
const rowsFor = (name: string, kind: string) => outboxRows(haven, 'u.email = $1 and o.kind = $2', [address(name), kind]);
const startWorkersNow = async () => {
  workers = await startWorkers(haven.ctx, { redisUrl: redis.url, prefix }, pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) }));
};
const stopWorkers = async () => {
  await workers?.close();
  workers = null;
};
/** A few mail sweeps' time (HAVEN_MAIL_SWEEP_SECONDS is 1): long enough for a duplicate to show. */
const severalSweeps = () => new Promise((resolve) => setTimeout(resolve, 3_000));

async function userId(name: string): Promise<string> {
  const sam = await people.as('Sam');
  const users = (await sam.get<{ users: { id: string; email: string }[] }>('/api/users?status=all')).body.users;
  return users.find((u) => u.email === address(name))?.id ?? '';
}
async function suspend(name: string): Promise<void> {
  expect((await (await people.as('Sam')).post(`/api/users/${await userId(name)}/suspend`, { reason: 'Test of e-mail' })).status).toBe(200);
}
async function sql(text: string, params: unknown[] = []): Promise<void> {
  const client = await rawClient(haven.database.url);
  await client.query(text, params).finally(() => client.end());
}
async function metric(line: RegExp): Promise<number> {
  const text = await (await fetch(`${haven.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  return Number(line.exec(text)?.[1] ?? NaN);
}

beforeAll(async () => {
  await ready();
  redis = await OwnRedis.start();
  smtp = await TestSmtpServer.start();
  haven = await startTestHaven({
    seedDemo: true,
    redisUrl: redis.url,
    env: { ...mailEnv(smtp.url), HAVEN_QUEUE_PREFIX: prefix, HAVEN_MAIL_MAX_ATTEMPTS: '40', HAVEN_METRICS_TOKEN: TOKEN },
  });
  await people.as('Sam');
});
afterAll(async () => {
  await stopWorkers();
  await haven?.close();
  await smtp?.stop();
  await redis?.stop();
});

describe('an SMTP outage', () => {
  it('retries with backoff while the server is down, then delivers once, with one Message-ID, even across a change of worker', async () => {
    await startWorkersNow();
    await smtp.stop();
    await suspend('Jordan');
    await vi.waitFor(
      async () => {
        const [row] = await rowsFor('Jordan', 'account_suspended');
        expect(row).toMatchObject({ status: 'queued', last_error: expect.stringMatching(/^could not reach the SMTP server/) });
        expect(row?.attempts).toBeGreaterThanOrEqual(2);
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(await metric(/^haven_mail_outbox\{status="queued"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(await metric(/^haven_mail_outbox_oldest_queued_seconds ([\d.]+)/m)).toBeGreaterThan(0);
    // The worker stops while the e-mail waits for its next attempt; another takes over.
    await stopWorkers();
    await smtp.start();
    await startWorkersNow();
    await vi.waitFor(() => expect(suspendedMail('Jordan')).toHaveLength(1), { timeout: 15_000, interval: 100 });
    await severalSweeps();
    expect(suspendedMail('Jordan')).toHaveLength(1);
    const [row] = await rowsFor('Jordan', 'account_suspended');
    expect(row?.status).toBe('sent');
    expect(suspendedMail('Jordan')[0]?.messageId).toBe(row?.message_id);
    expect(smtp.messageIdCounts().get(row?.message_id ?? '')).toBe(1);
  });
});

describe('a crash between commit and send', () => {
  it('a notice committed while no worker runs, its job then lost (Redis flushed), is sent exactly once by the next worker', async () => {
    await stopWorkers();
    await suspend('Morgan');
    expect(await rowsFor('Morgan', 'account_suspended')).toMatchObject([{ status: 'queued', attempts: 0 }]);
    // As if the process died after commit, before its wake-up reached Redis.
    await redis.command((r) => r.flushall());
    await startWorkersNow();
    await vi.waitFor(() => expect(suspendedMail('Morgan')).toHaveLength(1), { timeout: 15_000, interval: 100 });
    await severalSweeps();
    expect(suspendedMail('Morgan')).toHaveLength(1);
    expect(await rowsFor('Morgan', 'account_suspended')).toMatchObject([{ status: 'sent', attempts: 1 }]);
  });

  it('a worker that died while sending: the notice is marked failed, not sent again by itself; an operator retries it, with the same Message-ID', async () => {
    await stopWorkers();
    await suspend('Alex');
    const [row] = await rowsFor('Alex', 'account_suspended');
    // Taken by a worker that then died mid-conversation: its lease ran out.
    const messageId = `<${row?.id}@haven.northmoor.example>`;
    await sql(`update mail_outbox set status = 'sending', attempts = 1, message_id = $2, lease_until = now() - interval '1 minute' where id = $1`, [
      row?.id,
      messageId,
    ]);
    await startWorkersNow();
    await vi.waitFor(
      async () => expect(await rowsFor('Alex', 'account_suspended')).toMatchObject([{ status: 'failed', last_error: expect.stringMatching(/^interrupted/) }]),
      {
        timeout: 15_000,
        interval: 100,
      },
    );
    await severalSweeps();
    expect(suspendedMail('Alex')).toEqual([]);

    const listed = await havenCommand(haven.env, 'mail', 'failed');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(`${row?.id}\taccount_suspended\t${address('Alex')}\t1 attempt`);
    expect(listed.stdout).toContain('interrupted while sending');
    const retried = await havenCommand(haven.env, 'mail', 'retry', row?.id ?? '');
    expect(retried.code, retried.stderr).toBe(0);
    // Both audited as done at the command line: the look at recipients, and what was sent again.
    const db = await rawClient(haven.database.url);
    const audited = (
      await db
        .query<{ action: string; detail: Record<string, unknown> }>(
          `select action, detail from audit_entries where action in ('mail.failed_listed', 'mail.retried') order by seq`,
        )
        .finally(() => db.end())
    ).rows;
    expect(audited.at(-2)).toMatchObject({ action: 'mail.failed_listed', detail: { via: 'cli', noticeIds: expect.arrayContaining([row?.id]) } });
    expect(audited.at(-1)).toMatchObject({ action: 'mail.retried', detail: { via: 'cli', notices: [{ id: row?.id, kind: 'account_suspended' }] } });
    await vi.waitFor(() => expect(suspendedMail('Alex')).toHaveLength(1), { timeout: 15_000, interval: 100 });
    expect(suspendedMail('Alex')[0]?.messageId).toBe(messageId);
  });
});

describe('a wake-up that comes early', () => {
  it('waits for the time its notice says, without using an attempt', async () => {
    await stopWorkers();
    const priya = await userId('Priya');
    const [queued] = await haven.ctx.db.transaction((tx) => queueNotices(tx, [{ to: { userId: priya }, content: { kind: 'account_reinstated' } }], new Date()));
    await sql(`update mail_outbox set next_attempt_at = now() + interval '2 seconds' where id = $1`, [queued?.id]);
    const due = Date.now() + 2_000;
    // Its job is due now: the worker finds the row is not, and puts the job back until it is.
    // Connections of the test's own, closed here: the queues leave a connection they were given open.
    const queueConnection = new Redis(redis.url);
    const queue = mailQueue(queueConnection, { prefix, config: haven.ctx.config, clock: () => new Date() });
    await queue.add([{ id: queued?.id ?? '', notBefore: new Date() }]);
    await queue.close();
    queueConnection.disconnect();
    await startWorkersNow();
    // The same job, started once and back to wait, no attempt used (not a new job from the sweep).
    const jobsConnection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const jobs = new Queue(MAIL_QUEUE_NAME, { connection: jobsConnection, prefix });
    await vi.waitFor(
      async () => {
        const job = await jobs.getJob(queued?.id ?? '');
        expect({ state: await job?.getState(), started: job?.attemptsStarted, made: job?.attemptsMade }).toEqual({ state: 'delayed', started: 1, made: 0 });
      },
      { timeout: 2_000, interval: 50 },
    );
    await jobs.close();
    jobsConnection.disconnect();
    const reinstated = () => smtp.to(address('Priya')).filter((m) => m.subject === 'Your Haven account is reinstated');
    await vi.waitFor(() => expect(reinstated()).toHaveLength(1), { timeout: 15_000, interval: 100 });
    expect(reinstated()[0]?.at).toBeGreaterThanOrEqual(due - 100);
    expect(await rowsFor('Priya', 'account_reinstated')).toMatchObject([{ status: 'sent', attempts: 1 }]);
  });
});

describe('a bounce', () => {
  it('a 5xx answer marks the notice failed and logs it, without the address, and it is not tried again until an operator says so', async () => {
    if (!workers) await startWorkersNow();
    smtp.refuse(address('Ruth'));
    logLines.length = 0;
    await suspend('Ruth');
    await vi.waitFor(
      async () =>
        expect(await rowsFor('Ruth', 'account_suspended')).toMatchObject([{ status: 'failed', attempts: 1, last_error: 'SMTP 550 5.1.1 (refused for good)' }]),
      { timeout: 15_000, interval: 100 },
    );
    await severalSweeps();
    expect(smtp.recipientsAsked.filter((a) => a === address('Ruth'))).toHaveLength(1);
    const [row] = await rowsFor('Ruth', 'account_suspended');
    const bounced = logLines.filter((l) => l.includes('mail bounced'));
    expect(bounced).toHaveLength(1);
    expect(bounced[0]).toContain(`"outbox":"${row?.id}"`);
    expect(logLines.filter((l) => l.includes('@'))).toEqual([]);
    expect(await metric(/^haven_mail_outbox\{status="failed"\} (\d+)/m)).toBe(1);

    smtp.accept(address('Ruth'));
    const retried = await havenCommand(haven.env, 'mail', 'retry', '--all');
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stderr).toContain('1 notice queued again');
    await vi.waitFor(() => expect(suspendedMail('Ruth')).toHaveLength(1), { timeout: 15_000, interval: 100 });
    expect(await metric(/^haven_mail_outbox\{status="failed"\} (\d+)/m)).toBe(0);
    expect([...smtp.messageIdCounts().values()].every((n) => n === 1)).toBe(true);
  });
});

describe('the admin screens say where e-mail goes', () => {
  it('admins see the SMTP host; others may not ask', async () => {
    const sam = await people.as('Sam');
    expect((await sam.get('/api/mail/status')).body).toEqual({ mail: { configured: true, via: 'smtp', host: '127.0.0.1' } });
    expect((await new ApiClient(haven.url).get('/api/mail/status')).status).toBe(401);
  });
});
