import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready, type Envelope } from '../../crypto';
import { verifyAuditChain } from '../../server/audit';
import { ApiClient } from '../support/client';
import { startTestHaven, type TestHaven } from '../support/haven';
import { freePort } from '../support/net';
import { Practitioner, startConversation } from '../support/practitioner';
import { entryArgs } from '../support/compiled-entries';

const KILLS = 10;
// The sender sends as fast as the server answers; the per-user send limit (120 a minute) would
// hold it for most of a minute mid-test, which is not what this test is about.
const SEND_LIMIT = { HAVEN_SENDS_PER_USER_PER_MINUTE: '100000' };
let haven: TestHaven;
let port = 0;
let server: ChildProcess | null = null;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startServer(): Promise<void> {
  server = spawn(process.execPath, entryArgs('server'), {
    env: { ...process.env, ...haven.env, ...SEND_LIMIT, PORT: String(port), REDIS_URL: '', LOG_LEVEL: 'error' },
    stdio: 'ignore',
    detached: true,
  });
  for (let i = 0; i < 400; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await sleep(50);
  }
  throw new Error('server did not start');
}

function killServer(): Promise<void> {
  const child = server;
  server = null;
  if (!child?.pid) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid, 'SIGKILL');
  return exited;
}

/** A client that keeps resending the same envelope until the server acknowledges it (DESIGN §3: at-least-once, idempotent ids). */
async function sendUntilAcked(p: Practitioner, envelope: Envelope, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    try {
      if (!p.socket?.connected) await p.connect();
      const ack = (await p.send(envelope)) as { ok: boolean };
      if (ack.ok) return true;
    } catch {
      // Connection refused or lost mid-send: try again.
    }
    await sleep(50);
  }
  return false;
}

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  port = await freePort();
  await startServer();
});
afterAll(async () => {
  await killServer();
  await haven.close();
});

describe('no loss when the server is killed', () => {
  it('SIGKILL ten times under a sustained send: every acknowledged message reaches every recipient exactly once', async () => {
    const url = `http://127.0.0.1:${port}`;
    const sender = new Practitioner(new ApiClient(url));
    const recipients = [new Practitioner(new ApiClient(url)), new Practitioner(new ApiClient(url))];
    await sender.api.signIn(haven.account('Jordan'));
    await recipients[0]?.api.signIn(haven.account('Morgan'));
    await recipients[1]?.api.signIn(haven.account('Ruth'));
    for (const p of [sender, ...recipients]) await p.publishKeys();
    const thread = await startConversation(sender, recipients, 'Lily Hartwell');

    const acked: string[] = [];
    let killing = true;
    const killer = (async () => {
      for (let i = 0; i < KILLS; i++) {
        await sleep(300 + Math.floor(Math.random() * 400));
        await killServer();
        await startServer();
      }
      killing = false;
    })();
    const deadline = Date.now() + 240_000;
    let i = 0;
    while (killing || i < 5) {
      const envelope = sender.seal(thread, recipients, `message ${i}`);
      if (await sendUntilAcked(sender, envelope, deadline)) acked.push(envelope.header.id);
      i += 1;
      if (Date.now() > deadline) break;
    }
    await killer;
    expect(acked.length).toBeGreaterThan(KILLS);

    for (const recipient of recipients) {
      await recipient.connect();
      const seen: string[] = [];
      let cursor = 0;
      for (;;) {
        const page = (await recipient.sync(cursor)) as { ok: true; messages: { id: string; seq: number }[]; cursor: number; more: boolean };
        seen.push(...page.messages.map((m) => m.id));
        cursor = page.cursor;
        if (!page.more) break;
      }
      // Every acknowledged message is there, exactly once; nothing unacknowledged was stored twice either.
      for (const id of acked) expect(seen.filter((s) => s === id)).toHaveLength(1);
      expect(new Set(seen).size).toBe(seen.length);
      recipient.disconnect();
    }
    sender.disconnect();
    expect((await verifyAuditChain(haven.database.handle.db)).ok).toBe(true);
  }, 300_000);
});
