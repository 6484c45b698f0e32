import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ready } from '../../crypto';
import { ConfigError, loadConfig } from '../../server/config';
import { createHavenRegistry } from '../../server/metrics/registry';
import { QUEUE_NAME } from '../../workers/jobs';
import { startWorkers, type RunningWorkers } from '../../workers/runner';
import { ageChild } from '../support/aged-children';
import { rawClient } from '../support/database';
import { TestClock, startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, startConversation, welfareRecord } from '../support/practitioner';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const TOKEN = randomBytes(32).toString('base64url');
const PREFIX = `haven-test-${randomBytes(4).toString('hex')}`;
const clock = new TestClock();
const logLines: string[] = [];
let haven: TestHaven;
let queue: Queue | null = null;
let queueConnection: Redis | null = null;
let workers: RunningWorkers | null = null;
const people = new People(() => haven, clock.now);
const cast: Record<'jordan' | 'morgan', Practitioner> = {} as never;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
function parse(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match?.[1] || !match[3]) throw new Error(`not an exposition line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

/** The value of the sample with exactly these labels, or undefined when it is absent. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  return samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted)?.value;
}

function metrics(url: string, authorization?: string): Promise<Response> {
  return fetch(`${url}/metrics`, { headers: authorization ? { authorization } : {} });
}

async function scrape(): Promise<Sample[]> {
  const res = await metrics(haven.url, `Bearer ${TOKEN}`);
  expect(res.status).toBe(200);
  return parse(await res.text());
}

async function count(sql: string): Promise<number> {
  const client = await rawClient(haven.database.url);
  try {
    return (await client.query<{ n: number }>(sql)).rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({
    seedDemo: true,
    clock: clock.now,
    redisUrl: REDIS_URL,
    logLines,
    env: { HAVEN_METRICS_TOKEN: TOKEN, HAVEN_QUEUE_PREFIX: PREFIX },
  });
  for (const [key, name] of [
    ['jordan', 'Jordan'],
    ['morgan', 'Morgan'],
  ] as const) {
    cast[key] = new Practitioner(await people.as(name));
    await cast[key].publishKeys();
  }
});
afterAll(async () => {
  for (const p of Object.values(cast)) p.disconnect();
  if (workers) {
    await workers.queue.obliterate({ force: true });
    await workers.close();
  }
  await queue?.close();
  queueConnection?.disconnect();
  await haven.close();
});

describe('the /metrics endpoint', () => {
  it('refuses a scrape without the token, or with a wrong one, and says nothing more', async () => {
    for (const authorization of [undefined, `Bearer ${'x'.repeat(TOKEN.length)}`, `Bearer ${TOKEN.slice(1)}`, `Basic ${TOKEN}`, TOKEN]) {
      const res = await metrics(haven.url, authorization);
      expect(res.status, String(authorization)).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      const body = await res.text();
      expect(body).toBe('Unauthorised');
      expect(body).not.toContain('haven_');
    }
  });

  it('answers the token with the Prometheus text format, this process’s defaults included', async () => {
    const res = await metrics(haven.url, `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    expect(text).toContain('# HELP haven_connected_sockets ');
    expect(text).toContain('# TYPE haven_connected_sockets gauge');
    expect(text).toContain('# TYPE haven_shares_total counter');
    expect(text).toContain('# TYPE haven_send_ack_seconds histogram');
    const samples = parse(text);
    expect(valueOf(samples, 'haven_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    // PostgreSQL and Redis both answered.
    expect(valueOf(samples, 'haven_metrics_scrape_errors', { source: 'database' })).toBe(0);
    expect(valueOf(samples, 'haven_metrics_scrape_errors', { source: 'queue' })).toBe(0);
    // The token never reaches the logs (request lines carry the route, not headers).
    expect(logLines.some((line) => line.includes('"route":"/metrics"'))).toBe(true);
    expect(logLines.join('\n')).not.toContain(TOKEN);
  });
});

describe('messaging', () => {
  let thread = { id: '', childId: '' };

  it('counts connected sockets, accepted messages and the send→ack time', async () => {
    await cast.jordan.connect();
    await cast.morgan.connect();
    thread = await startConversation(cast.jordan, [cast.morgan], 'Lily Hartwell');
    const before = await scrape();
    expect(valueOf(before, 'haven_connected_sockets')).toBeGreaterThanOrEqual(2);
    expect(valueOf(before, 'haven_shares_total', { kind: 'message', outcome: 'accepted' })).toBeUndefined();
    expect(valueOf(before, 'haven_shares_total', { kind: 'thread_started', outcome: 'accepted' })).toBeGreaterThanOrEqual(1);

    const envelope = cast.jordan.seal(thread, [cast.morgan], 'Lily settled well at school today');
    expect(await cast.jordan.send(envelope)).toMatchObject({ ok: true, duplicate: false });
    const after = await scrape();
    expect(valueOf(after, 'haven_shares_total', { kind: 'message', outcome: 'accepted' })).toBe(1);
    expect(valueOf(after, 'haven_send_ack_seconds_count')).toBe(1);
    expect(valueOf(after, 'haven_send_ack_seconds_bucket', { le: '+Inf' })).toBe(1);
    expect(valueOf(after, 'haven_send_ack_seconds_sum')).toBeGreaterThan(0);

    // A resend of the same envelope is a duplicate, not a second share.
    expect(await cast.jordan.send(envelope)).toMatchObject({ ok: true, duplicate: true });
    const resent = await scrape();
    expect(valueOf(resent, 'haven_shares_total', { kind: 'message', outcome: 'accepted' })).toBe(1);
    expect(valueOf(resent, 'haven_shares_total', { kind: 'message', outcome: 'duplicate' })).toBe(1);
  });

  it('counts a refused send as rejected, by the class of its error', async () => {
    const tampered = { ...cast.jordan.seal(thread, [cast.morgan], 'x'), ciphertext: 'A'.repeat(40) };
    expect(await cast.jordan.send(tampered)).toMatchObject({ ok: false, error: { code: 'signature_invalid' } });
    const otherChild = cast.jordan.seal({ ...thread, childId: '00000000-0000-4000-8000-000000000000' }, [cast.morgan], 'x');
    expect(await cast.jordan.send(otherChild)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    const samples = await scrape();
    expect(valueOf(samples, 'haven_shares_total', { kind: 'message', outcome: 'rejected', reason: 'forbidden' })).toBe(1);
    expect(valueOf(samples, 'haven_shares_total', { kind: 'message', outcome: 'rejected', reason: 'validation' })).toBe(1);
    expect(valueOf(samples, 'haven_shares_total', { kind: 'message', outcome: 'accepted' })).toBe(1);
    // Refused sends are answered too, so they are timed.
    expect(valueOf(samples, 'haven_send_ack_seconds_count')).toBe(4);
  });

  it('counts verbal shares recorded over HTTP, refusals included', async () => {
    const childId = thread.childId;
    const verbal = await cast.jordan.api.post(`/api/children/${childId}/verbal-shares`, {
      occurredAt: clock.now().toISOString(),
      tier: 'welfare',
      participants: [{ userId: cast.morgan.userId, needToKnowReason: 'Neighbourhood officer for the family' }],
      record: welfareRecord,
    });
    expect(verbal.status).toBe(201);
    expect((await cast.jordan.api.post(`/api/children/${childId}/verbal-shares`, { tier: 'welfare' })).status).toBe(400);
    const samples = await scrape();
    expect(valueOf(samples, 'haven_shares_total', { kind: 'verbal', outcome: 'accepted' })).toBe(1);
    expect(valueOf(samples, 'haven_shares_total', { kind: 'verbal', outcome: 'rejected', reason: 'validation' })).toBe(1);
  });

  it('stops counting a socket once it disconnects', async () => {
    const before = valueOf(await scrape(), 'haven_connected_sockets') ?? 0;
    cast.morgan.disconnect();
    await vi.waitFor(async () => expect(valueOf(await scrape(), 'haven_connected_sockets')).toBe(before - 1));
  });
});

describe('retention', () => {
  it('reports runs and destroyed children from the database', async () => {
    const today = clock.now();
    const yearsAgo = (years: number, days: number) =>
      new Date(Date.UTC(today.getUTCFullYear() - years, today.getUTCMonth(), today.getUTCDate() - days)).toISOString().slice(0, 10);
    // Added at 18; then time passes and they are two days past 19.
    const created = await cast.jordan.api.post<{ child: { id: string } }>('/api/children', {
      name: 'Metrics Aged-Child',
      dateOfBirth: yearsAgo(18, 0),
      gender: 'male',
      address: '1 Scrape Lane, Northmoor',
      postcode: 'NM1 1AA',
      parents: [],
      basis: 'involved',
    });
    expect(created.status).toBe(201);
    await ageChild(haven.database.url, created.body.child.id, yearsAgo(19, 2));
    const sam = await people.as('Sam');
    expect((await sam.post('/api/retention/runs', { dryRun: true })).status).toBe(201);
    const run = await sam.post('/api/retention/runs', { dryRun: false });
    expect(run.status, JSON.stringify(run.body)).toBe(201);

    const samples = await scrape();
    expect(valueOf(samples, 'haven_retention_runs', { dry_run: 'true', status: 'finished' })).toBe(1);
    expect(valueOf(samples, 'haven_retention_runs', { dry_run: 'false', status: 'finished' })).toBe(1);
    const destroyed = await count('select count(*)::int as n from child_tombstones');
    expect(destroyed).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'haven_retention_children_destroyed')).toBe(destroyed);
    const finished = valueOf(samples, 'haven_retention_last_finished_timestamp_seconds', { dry_run: 'false' }) ?? 0;
    expect(Math.abs(finished - clock.now().getTime() / 1000)).toBeLessThan(60);
  });
});

describe('obligations', () => {
  it('counts an obligation once its deadline passes, in the database at scrape time', async () => {
    people.forget();
    const ruth = new Practitioner(await people.as('Ruth'));
    const alex = new Practitioner(await people.as('Alex'));
    await ruth.publishKeys();
    await alex.publishKeys();
    const callumId = (await ruth.api.get<{ children: { id: string }[] }>('/api/children?name=Callum+Byrne')).body.children[0]?.id ?? '';
    expect((await ruth.api.post(`/api/children/${callumId}/offending-risk`, { reason: 'Referral from the youth offending panel' })).status).toBe(200);
    expect((await ruth.api.post(`/api/children/${callumId}/case-officers`, { userId: alex.userId, record: welfareRecord })).status).toBe(200);
    const share = await ruth.api.post(`/api/children/${callumId}/verbal-shares`, {
      occurredAt: clock.now().toISOString(),
      tier: 'offending_risk',
      emergency: true,
      participants: [{ userId: alex.userId }],
      record: {
        ...welfareRecord,
        kindsOfInformation: ['offending_or_antisocial_behaviour'],
        schedule1Condition: 'preventing_or_detecting_unlawful_acts',
        legalGateway: 'crime_and_disorder_act_1998_s115',
      },
    });
    expect(share.status).toBe(201);
    const [obligation] = (await ruth.api.get<{ obligations: { dueAt: string }[] }>('/api/obligations/mine')).body.obligations;
    if (!obligation) throw new Error('no obligation');
    expect(valueOf(await scrape(), 'haven_obligations_overdue')).toBe(0);

    clock.setTo(new Date(Date.parse(obligation.dueAt) + 60_000));
    expect(valueOf(await scrape(), 'haven_obligations_overdue')).toBe(1);
  });
});

describe('job queue', () => {
  it('reports the queue depth from Redis', async () => {
    queueConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue(QUEUE_NAME, { connection: queueConnection, prefix: PREFIX });
    await queue.add('housekeeping.purge-expired', {});
    const samples = await scrape();
    expect(valueOf(samples, 'haven_queue_jobs', { queue: QUEUE_NAME, state: 'waiting' })).toBe(1);
    expect(valueOf(samples, 'haven_queue_jobs', { queue: QUEUE_NAME, state: 'failed' })).toBe(0);
  });

  it('counts a failed job by name, and the queue shows it as failed', async () => {
    // The queue gauge covers every job (the schedules run too), so it is at least this one.
    const registry = createHavenRegistry({ db: haven.ctx.db, clock: clock.now, redis: null, queuePrefix: PREFIX, logger: pino({ level: 'silent' }) });
    workers = await startWorkers({ ...haven.ctx, metrics: registry.service }, { redisUrl: REDIS_URL, prefix: PREFIX }, pino({ level: 'silent' }));
    // The payload schema refuses this, so the job fails.
    await workers.queue.add('housekeeping.purge-expired', { unexpected: true });
    await vi.waitFor(async () => expect(valueOf(parse(await registry.scrape()), 'haven_job_failures_total', { job: 'housekeeping.purge-expired' })).toBe(1), {
      timeout: 10_000,
    });
    await vi.waitFor(async () => expect(valueOf(await scrape(), 'haven_queue_jobs', { queue: QUEUE_NAME, state: 'failed' })).toBeGreaterThanOrEqual(1));
    await registry.close();
  });
});

describe('no personal data', () => {
  it('no label value is an id, an email address or a name', async () => {
    const samples = await scrape();
    const values = samples.flatMap((s) => Object.values(s.labels));
    expect(values.length).toBeGreaterThan(10);
    for (const value of values) {
      expect(value).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
      expect(value).not.toContain('@');
      expect(value).toMatch(/^[a-z0-9_.:+-]*$/i);
    }
    const names = new Set(samples.map((s) => s.name));
    expect([...names].every((n) => n.startsWith('haven_'))).toBe(true);
  });
});

describe('with Redis down', () => {
  it('still answers, leaving out the queue and flagging it', async () => {
    const lonely = await startTestHaven({ redisUrl: 'redis://127.0.0.1:1', env: { HAVEN_METRICS_TOKEN: TOKEN } });
    try {
      const res = await metrics(lonely.url, `Bearer ${TOKEN}`);
      expect(res.status).toBe(200);
      const samples = parse(await res.text());
      expect(valueOf(samples, 'haven_metrics_scrape_errors', { source: 'queue' })).toBe(1);
      expect(valueOf(samples, 'haven_metrics_scrape_errors', { source: 'database' })).toBe(0);
      expect(samples.filter((s) => s.name === 'haven_queue_jobs')).toEqual([]);
      expect(valueOf(samples, 'haven_obligations_overdue')).toBe(0);
    } finally {
      await lonely.close();
    }
  });
});

describe('configuration', () => {
  it('refuses a short token without echoing it', () => {
    const short = 'too-short-a-token';
    expect(() => loadConfig({ HAVEN_METRICS_TOKEN: short })).toThrow(ConfigError);
    expect(() => loadConfig({ HAVEN_METRICS_TOKEN: short })).toThrow(/HAVEN_METRICS_TOKEN: expected 24 to 256 printable characters/);
    expect(() => loadConfig({ HAVEN_METRICS_TOKEN: short })).not.toThrow(new RegExp(short));
    expect(loadConfig({ HAVEN_METRICS_TOKEN: TOKEN }).HAVEN_METRICS_TOKEN).toBe(TOKEN);
    expect(loadConfig({ HAVEN_METRICS_TOKEN: '' }).HAVEN_METRICS_TOKEN).toBeUndefined();
  });
});

describe('without a token configured', () => {
  it('there is no /metrics at all', async () => {
    const plain = await startTestHaven();
    try {
      expect((await metrics(plain.url)).status).toBe(404);
      expect((await metrics(plain.url, `Bearer ${TOKEN}`)).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
