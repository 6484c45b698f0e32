import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ready, type Envelope } from '../../crypto';
import { PEER_TIMEOUT_MS } from '../../server/realtime/peer-watch';
import { ApiClient } from '../support/client';
import { startTestHaven, type TestHaven } from '../support/haven';
import { freePort } from '../support/net';
import { Practitioner, startConversation } from '../support/practitioner';
import { entryArgs } from '../support/compiled-entries';

// Issue 23: a stored, acknowledged message must reach readers who stay connected to another
// server process, without their reconnecting, when the push is lost between processes: the
// sending process died after its ack, or a connection to Redis broke. The readers here follow
// their sequence as the web client does (web/src/lib/live-sequence.ts); none of them reconnects.

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `peers-${randomBytes(4).toString('hex')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let haven: TestHaven;
let redis: Redis;
let isolated: { url: string; close(): Promise<void> };
// Each person signs in and publishes keys once; their session and keys serve on every process.
const people: Record<'Jordan' | 'Morgan' | 'Ruth', Practitioner> = {} as never;

/** The person's client pointed at another process: the same session and keys. */
function at(name: keyof typeof people, url: string): Practitioner {
  const signedIn = people[name];
  const p = new Practitioner(new ApiClient(url), signedIn.keys);
  p.userId = signedIn.userId;
  p.api.adoptSession(signedIn.api.cookie('haven_session') ?? '');
  return p;
}

/** A reader connected to the main process, following its sequence, counting its reconnections. */
async function steadyReader(name: keyof typeof people): Promise<{ p: Practitioner; connections: () => number }> {
  const p = at(name, haven.url);
  await p.connect({ followSequence: true });
  let connections = 1;
  p.socket?.io.on('reconnect', () => (connections += 1));
  return { p, connections: () => connections };
}

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true, redisUrl: REDIS_URL, env: { HAVEN_QUEUE_PREFIX: prefix } });
  for (const name of ['Jordan', 'Morgan', 'Ruth'] as const) {
    const p = new Practitioner(new ApiClient(haven.url));
    expect((await p.api.signIn(haven.account(name))).status).toBe(200);
    await p.publishKeys();
    people[name] = p;
  }
  // A process over the same database whose events never reach the main one: every message sent
  // through it is stored and acknowledged, and its live copies are lost, as when a process dies
  // between its ack and its hand-over through Redis.
  isolated = await haven.addNode({ withoutRedis: true });
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  redis?.disconnect();
  await haven?.close();
});

describe('copies lost between processes reach connected readers without a reconnect', () => {
  it('a gap in the reader’s numbers: the next live copy shows one missing, and the reader fetches it', async () => {
    const jordanThere = at('Jordan', isolated.url);
    const { p: morgan, connections } = await steadyReader('Morgan');
    const thread = await startConversation(jordanThere, [morgan], 'Lily Hartwell');
    await jordanThere.connect();

    const lost = jordanThere.seal(thread, [morgan], 'stored, its copy lost');
    expect(await jordanThere.send(lost)).toMatchObject({ ok: true });
    await sleep(500);
    expect(morgan.received.map((m) => m.id)).not.toContain(lost.header.id);

    // The next message goes through the main process and is pushed live, one number past the gap.
    const jordanHere = at('Jordan', haven.url);
    await jordanHere.connect();
    const next = jordanHere.seal(thread, [morgan], 'pushed live');
    expect(await jordanHere.send(next)).toMatchObject({ ok: true });
    await vi.waitFor(() => expect(morgan.received.map((m) => m.id)).toEqual(expect.arrayContaining([lost.header.id, next.header.id])), {
      timeout: 5_000,
      interval: 50,
    });
    expect(morgan.caughtUp).toContain(lost.header.id);
    expect(morgan.caughtUp).not.toContain(next.header.id);
    expect(connections()).toBe(1);
    for (const p of [jordanThere, jordanHere, morgan]) p.disconnect();
  });

  it('a peer process that goes silent: the survivor tells its connections to catch up, and they fetch the lost copy', async () => {
    const jordanThere = at('Jordan', isolated.url);
    const { p: ruth, connections } = await steadyReader('Ruth');
    const checks: string[] = [];
    ruth.socket?.on('sync:check', ({ reason }) => checks.push(reason));
    const thread = await startConversation(jordanThere, [ruth], 'Lily Hartwell');
    await jordanThere.connect();

    // A peer joins the rooms (as a process does: a key that it renews, in the registry)…
    const peer = `test-peer-${randomBytes(4).toString('hex')}`;
    await redis.multi().set(`${prefix}:realtime:process:${peer}`, '1', 'PX', PEER_TIMEOUT_MS).sadd(`${prefix}:realtime:processes`, peer).exec();
    await sleep(1_500); // the main process has seen it alive
    // …stores a message, and dies before its copy crossed: it never renews its key.
    const lost = jordanThere.seal(thread, [ruth], 'acknowledged just before the process died');
    expect(await jordanThere.send(lost)).toMatchObject({ ok: true });

    await vi.waitFor(() => expect(ruth.received.map((m) => m.id)).toContain(lost.header.id), { timeout: PEER_TIMEOUT_MS + 5_000, interval: 50 });
    expect(checks).toContain('peer_lost');
    expect(ruth.caughtUp).toContain(lost.header.id);
    expect(connections()).toBe(1);
    // The registry forgets the dead peer.
    expect(await redis.sismember(`${prefix}:realtime:processes`, peer)).toBe(0);
    jordanThere.disconnect();
    ruth.disconnect();
  });

  it('a break in the connection to Redis: when it comes back, connections catch up what was published meanwhile', async () => {
    const jordanThere = at('Jordan', isolated.url);
    const { p: morgan, connections } = await steadyReader('Morgan');
    const checks: string[] = [];
    morgan.socket?.on('sync:check', ({ reason }) => checks.push(reason));
    const thread = await startConversation(jordanThere, [morgan], 'Lily Hartwell');
    await jordanThere.connect();
    const lost = jordanThere.seal(thread, [morgan], 'published while the subscriber was away');
    expect(await jordanThere.send(lost)).toMatchObject({ ok: true });
    await sleep(300);
    expect(morgan.received.map((m) => m.id)).not.toContain(lost.header.id);

    // Cut the main process's subscriber connection (only this run's: by its name).
    const clients = (await redis.client('LIST')) as string;
    const ids = clients
      .split('\n')
      .filter((line) => line.includes(` name=${prefix}-rooms-sub `))
      .map((line) => /\bid=(\d+)/.exec(line)?.[1]);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) await redis.client('KILL', 'ID', id ?? '');

    await vi.waitFor(() => expect(morgan.received.map((m) => m.id)).toContain(lost.header.id), { timeout: 10_000, interval: 50 });
    expect(checks).toContain('redis_reconnected');
    expect(connections()).toBe(1);
    jordanThere.disconnect();
    morgan.disconnect();
  });
});

describe('the sending process killed under load', () => {
  const KILLS = 3;
  let port = 0;
  let child: ChildProcess | null = null;

  async function startSendingProcess(): Promise<void> {
    child = spawn(process.execPath, entryArgs('server'), {
      // The sender sends as fast as the process answers: the per-user send limit (120 a minute)
      // would hold it for most of a minute mid-test, which is not what this test is about.
      env: {
        ...process.env,
        ...haven.env,
        HAVEN_SENDS_PER_USER_PER_MINUTE: '100000',
        PORT: String(port),
        REDIS_URL,
        HAVEN_QUEUE_PREFIX: prefix,
        LOG_LEVEL: 'error',
      },
      stdio: 'ignore',
      detached: true,
    });
    for (let i = 0; i < 600; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/api/health`)).status < 500) return;
      } catch {
        // not up yet
      }
      await sleep(50);
    }
    throw new Error('the sending process did not start');
  }

  function killSendingProcess(): Promise<void> {
    const running = child;
    child = null;
    if (!running?.pid) return Promise.resolve();
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    process.kill(-running.pid, 'SIGKILL');
    return exited;
  }

  /** Resends the same envelope until acknowledged, reconnecting to the restarted process (DESIGN §3). */
  async function sendUntilAcked(p: Practitioner, envelope: Envelope, deadline: number): Promise<boolean> {
    while (Date.now() < deadline) {
      try {
        if (!p.socket?.connected) await p.connect();
        if (((await p.send(envelope)) as { ok: boolean }).ok) return true;
      } catch {
        // refused or cut mid-send: again
      }
      await sleep(50);
    }
    return false;
  }

  afterAll(() => killSendingProcess());

  it('every acknowledged message reaches both readers on the other process, live or by catching up, with no reconnect', async () => {
    port = await freePort();
    await startSendingProcess();
    const sender = at('Jordan', `http://127.0.0.1:${port}`);
    const readers = [await steadyReader('Morgan'), await steadyReader('Ruth')];
    const thread = await startConversation(
      sender,
      readers.map((r) => r.p),
      'Lily Hartwell',
    );
    const acked: string[] = [];
    let killing = true;
    const killer = (async () => {
      for (let i = 0; i < KILLS; i++) {
        await sleep(400 + Math.floor(Math.random() * 600));
        await killSendingProcess();
        await startSendingProcess();
      }
      killing = false;
    })();
    const deadline = Date.now() + 200_000;
    for (let i = 0; killing || i < 5; i++) {
      const envelope = sender.seal(
        thread,
        readers.map((r) => r.p),
        `message ${i}`,
      );
      if (await sendUntilAcked(sender, envelope, deadline)) acked.push(envelope.header.id);
      if (Date.now() > deadline) break;
    }
    await killer;
    expect(acked.length).toBeGreaterThan(KILLS);

    for (const { p, connections } of readers) {
      await vi.waitFor(() => expect(acked.filter((id) => !p.received.some((m) => m.id === id))).toEqual([]), {
        timeout: PEER_TIMEOUT_MS + 7_000,
        interval: 100,
      });
      expect(connections()).toBe(1);
      expect(p.socket?.connected).toBe(true);
    }
    sender.disconnect();
    for (const { p } of readers) p.disconnect();
  }, 300_000);
});
