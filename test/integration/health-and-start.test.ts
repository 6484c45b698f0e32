import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../support/client';
import { Practitioner, startConversation } from '../support/practitioner';
import { startTestHaven } from '../support/haven';
import { TEST_ADMIN_URL, rawClient } from '../support/database';
import { readDemoFile } from '../../server/demo/demo-file';
import { ready } from '../../crypto';
import { TEST_TRUST_ENV } from '../support/trust-roots';
import { entryArgs } from '../support/compiled-entries';

describe('GET /api/health', () => {
  it('answers 200 when the database and Redis answer, degraded while no worker keeps the job schedules (job-schedules.test.ts sees it ok)', async () => {
    const haven = await startTestHaven({
      redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      env: { HAVEN_QUEUE_PREFIX: `health-${process.pid}` },
    });
    try {
      const res = await new ApiClient(haven.url).get('/api/health');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        status: 'degraded',
        database: 'ok',
        redis: 'ok',
        degraded: expect.arrayContaining(['the schedule of obligations.sweep is missing from Redis', 'obligations.sweep has never been scheduled by a worker']),
      });
    } finally {
      await haven.close();
    }
  });

  it('answers 503 naming Redis when it does not answer', async () => {
    const haven = await startTestHaven({ redisUrl: 'redis://127.0.0.1:1' });
    try {
      const res = await new ApiClient(haven.url).get('/api/health');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'down', database: 'ok', redis: 'down', down: ['redis'] });
    } finally {
      await haven.close();
    }
  });

  it('answers 503 naming the database when it is gone', async () => {
    const haven = await startTestHaven();
    const url = haven.url;
    // Dropping the database (with force) under the running server cuts its connections and leaves nothing to reconnect to.
    const name = new URL(haven.database.url).pathname.slice(1);
    const admin = await rawClient(TEST_ADMIN_URL);
    await admin.query(`drop database ${name} with (force)`);
    await admin.end();
    const res = await new ApiClient(url).get('/api/health');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'down', database: 'down', down: ['database'] });
    // A request that needs the database fails cleanly too.
    const session = await new ApiClient(url).get('/api/agencies/directory');
    expect(session.status).toBe(503);
    expect(session.body).toEqual({ error: { code: 'database_unavailable', message: expect.stringMatching(/Nothing was saved/) } });
    await haven.close();
  });
});

/**
 * Runs the server as a process of its own and collects its output: from the compiled entry, or,
 * `fromSource`, exactly as `npm start` does (tsx on server/main.ts).
 */
function startProcess(
  env: Record<string, string>,
  args: string[] = [],
  fromSource = false,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = '';
  // A process group of its own, so that stopping it stops everything it started.
  const nodeArgs = fromSource ? ['--import', 'tsx', 'server/main.ts', ...args] : entryArgs('server', ...args);
  const child = spawn(process.execPath, nodeArgs, {
    // The test trust roots, which the test web build (if built) was made with: the start check compares them.
    env: { ...process.env, ...TEST_TRUST_ENV, DATABASE_URL: '', REDIS_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output: () => output, exited };
}

/** SIGTERM to the whole group, as a service manager stops a service. */
function stop(proc: ReturnType<typeof startProcess>): void {
  if (proc.child.pid && proc.child.exitCode === null) process.kill(-proc.child.pid, 'SIGTERM');
}

async function waitForOutput(proc: ReturnType<typeof startProcess>, pattern: RegExp, ms = 60_000): Promise<string> {
  const started = Date.now();
  while (!pattern.test(proc.output())) {
    if (proc.child.exitCode !== null) throw new Error(`process exited: ${proc.output()}`);
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${pattern}: ${proc.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return proc.output();
}

describe('starting Haven', () => {
  beforeAll(ready);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'haven-start-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stops with one line naming a bad variable', async () => {
    const proc = startProcess({ PORT: 'eighty', HAVEN_DATA_DIR: dataDir });
    expect(await proc.exited).toBe(1);
    const lines = proc.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Haven cannot start: .*PORT: /);
  });

  it('on embedded PGlite: migrates, seeds the demo once, prints how to sign in, and refuses to seed again', { timeout: 120_000 }, async () => {
    const first = startProcess({ PORT: '0', HAVEN_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, ['--seed-demo'], true);
    try {
      const out = await waitForOutput(first, /saved in/);
      const url = /Haven demo is running at (\S+)/.exec(out)?.[1] ?? '';
      expect(out).toMatch(/Priya Natarajan — agency admin/);
      expect(out).toMatch(/two-factor secret [A-Z2-7]{32}/);
      expect(out).toMatch(/npm run demo:codes/);
      const health = await new ApiClient(url).get('/api/health');
      expect(health.body).toMatchObject({ status: 'ok', database: 'ok' });
      // The embedded database has one connection: exercise the paths that write in transactions.
      const jordan = readDemoFile(dataDir).find((a) => a.name === 'Jordan Ellis');
      if (!jordan) throw new Error('demo account missing');
      const c = new ApiClient(url);
      // A wrong password goes through the hashing workers and the attempt counters on the embedded database too.
      expect((await c.post('/api/auth/sign-in', { email: jordan.email, password: 'not the password at all' })).status).toBe(401);
      expect((await c.signIn(jordan)).status).toBe(200);
      const sender = new Practitioner(c);
      await sender.publishKeys();
      expect((await c.get(`/api/key-log/proof?userId=${sender.userId}`)).status).toBe(200);
      const lily = (await c.get<{ children: { id: string }[] }>('/api/children?name=Lilly+Hartwel')).body.children[0];
      expect((await c.post(`/api/children/${lily?.id}/open`, { reason: 'Smoke test of the embedded database' })).status).toBe(200);
      // A message end to end: the conversation, the group commit and the coalesced lookups on one connection.
      const morgan = readDemoFile(dataDir).find((a) => a.name === 'Morgan Reid');
      if (!morgan) throw new Error('demo account missing');
      const m = new ApiClient(url);
      expect((await m.signIn(morgan)).status).toBe(200);
      const recipient = new Practitioner(m);
      await recipient.publishKeys();
      await Promise.all([sender.connect(), recipient.connect()]);
      const thread = await startConversation(sender, [recipient], 'Lily Hartwell');
      const envelopes = [1, 2, 3].map((n) => sender.seal(thread, [recipient], `embedded ${n}`));
      const acks = (await Promise.all(envelopes.map((e) => sender.send(e)))) as { ok: boolean }[];
      expect(acks.map((a) => a.ok)).toEqual([true, true, true]);
      await vi.waitFor(() => expect(recipient.received).toHaveLength(3));
      expect(recipient.received.map((r) => r.seq).sort()).toEqual([1, 2, 3]);
      expect(recipient.received.map((r) => recipient.open(r, sender)).sort()).toEqual(['embedded 1', 'embedded 2', 'embedded 3']);
      sender.disconnect();
      recipient.disconnect();
    } finally {
      stop(first);
      await first.exited;
    }
    const second = startProcess({ PORT: '0', HAVEN_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, ['--seed-demo']);
    try {
      expect(await waitForOutput(second, /already has users, so no demo data was added/)).not.toMatch(/password demo-/);
    } finally {
      stop(second);
      await second.exited;
    }
  });
});
