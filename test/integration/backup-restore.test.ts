import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkLogGrowth, checkPublishedKeys, ready, toBase64Url, type KeyLogEntry, type SignedTreeHead } from '../../crypto';
import { createHaven } from '../../server/app';
import { anchorFilePath, openAuditKeys, verifyAuditChain, verifyAuditTrail } from '../../server/audit';
import { loadConfig } from '../../server/config';
import { openDatabase, type DatabaseHandle } from '../../server/db';
import { verifyKeyLog } from '../../server/keys/key-log.verify';
import type { Ack, SyncedMessage } from '../../server/realtime/events';
import { silentNotifier, type ServiceContext } from '../../server/shared/context';
import { ApiClient } from '../support/client';
import { havenCommand } from '../support/commands';
import { TEST_ADMIN_URL } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { listing, Practitioner, startConversation } from '../support/practitioner';
import { testLogPublicKey } from '../support/trust-roots';

// docs/backup-restore.md, followed step by step: pg_dump the live database, restore it into a
// new one, start Haven on that, and check that the records and the encrypted messages survived.
const run = promisify(execFile);
const PLAINTEXT = 'Lily said she is frightened to go home on Fridays — can we talk before the visit?';

let original: TestHaven;
const people = new People(() => original);
const cast: Record<'jordan' | 'morgan', Practitioner> = {} as never;
let messageId = '';
/** The key-log head Morgan's client kept before the backup (the browser keeps it too). */
let keptHead: SignedTreeHead;
const workDir = mkdtempSync(path.join(tmpdir(), 'haven-backup-'));
const restoredName = `haven_r_${randomBytes(6).toString('hex')}`;
const restoredUrl = (() => {
  const url = new URL(TEST_ADMIN_URL);
  url.pathname = `/${restoredName}`;
  return url.toString();
})();
let restored: { url: string; database: DatabaseHandle; ctx: ServiceContext; close(): Promise<void> } | undefined;

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

type KeyLogProof = { entry: KeyLogEntry; index: number; proof: string[]; head: SignedTreeHead };

beforeAll(async () => {
  await ready();
  original = await startTestHaven({ seedDemo: true });
  for (const [key, name] of [
    ['jordan', 'Jordan'],
    ['morgan', 'Morgan'],
  ] as const) {
    cast[key] = new Practitioner(await people.as(name));
    await cast[key].publishKeys();
    await cast[key].connect();
  }
  const thread = await startConversation(cast.jordan, [cast.morgan], 'Lily Hartwell');
  const envelope = cast.jordan.seal(thread, [cast.morgan], PLAINTEXT);
  expect(await cast.jordan.send(envelope)).toMatchObject({ ok: true });
  messageId = envelope.header.id;
  await vi.waitFor(() => expect(cast.morgan.received.map((m) => m.id)).toContain(messageId));
  const head = await cast.morgan.api.get<{ head: SignedTreeHead }>('/api/key-log/head');
  keptHead = head.body.head;
});

afterAll(async () => {
  for (const p of Object.values(cast)) p.disconnect();
  await restored?.close();
  await original?.close();
  await adminQuery(`drop database if exists ${restoredName} with (force)`);
  rmSync(workDir, { recursive: true, force: true });
});

describe('backup and restore (docs/backup-restore.md)', () => {
  it('pg_dump, then pg_restore into a fresh database, and Haven starts on it', async () => {
    const dump = path.join(workDir, 'haven.dump');
    await run('/usr/bin/pg_dump', ['--format=custom', '--no-owner', '--file', dump, original.database.url]);

    // The installation is lost; the backup is restored into a new, empty database.
    for (const p of Object.values(cast)) p.disconnect();
    await adminQuery(`create database ${restoredName}`);
    await run('/usr/bin/pg_restore', ['--no-owner', '--exit-on-error', '--dbname', restoredUrl, dump]);

    // The installation key and the anchor file were kept apart from the backup, and come back with the new server.
    const config = loadConfig({ ...original.env, PORT: '0', DATABASE_URL: restoredUrl, LOG_LEVEL: 'silent' });
    const database = await openDatabase({ databaseUrl: restoredUrl, dataDir: '/nonexistent' });
    const auditKeys = await openAuditKeys(database.db, config, { create: false, now: new Date() });
    const haven = createHaven({ config, auditKeys, database, redis: null, logger: pino({ level: 'silent' }), clock: () => new Date() });
    const port = await haven.listen();
    restored = {
      url: `http://127.0.0.1:${port}`,
      database,
      ctx: { db: database.db, config, clock: () => new Date(), notifier: silentNotifier },
      close: async () => {
        await haven.close();
        await database.close();
      },
    };
  });

  it('the audit chain and its anchors verify, and so does the whole key log', async () => {
    if (!restored) throw new Error('not restored');
    const chain = await verifyAuditChain(restored.database.db);
    expect(chain.ok).toBe(true);
    expect(chain.checked).toBeGreaterThan(5);
    expect(await verifyAuditTrail(restored.database.db, anchorFilePath(restored.ctx.config))).toMatchObject({ ok: true, anchors: { problems: [] } });
    expect(await verifyKeyLog(restored.ctx)).toMatchObject({ ok: true, leaves: 2 });

    // The log key is not in the database: it comes from the installation's configuration, which
    // the restored server is given. A restore with another key (another HAVEN_KEY_LOG_SEED or
    // installation key) is caught rather than silently re-keying the log.
    const otherSeed = toBase64Url(randomBytes(32));
    const wrongKey = await verifyKeyLog({ ...restored.ctx, config: { ...restored.ctx.config, HAVEN_KEY_LOG_SEED: otherSeed } });
    expect(wrongKey.ok).toBe(false);
    expect(wrongKey.problem).toMatch(/HAVEN_KEY_LOG_SEED/);
  });

  it('`npm run haven -- verify` agrees, and a restore without the installation key is caught', async () => {
    const verified = await havenCommand({ ...original.env, DATABASE_URL: restoredUrl }, 'verify');
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^Audit chain intact/);
    expect(verified.stdout).toMatch(/Key log intact: 2 entries/);

    const otherKey = await havenCommand(
      { ...original.env, DATABASE_URL: restoredUrl, HAVEN_INSTALLATION_SEED: randomBytes(32).toString('base64url') },
      'verify',
    );
    // The restored server has anchored the chain since, with the installation's key: another key is refused outright.
    expect(otherKey.code).toBe(1);
    expect(otherKey.stderr).toMatch(/anchors are signed with another installation key/);
  });

  it('the recipient signs in to the restored server, checks the key log, syncs and opens the message', async () => {
    if (!restored) throw new Error('not restored');
    const api = new ApiClient(restored.url);
    expect((await api.signIn(original.account('Morgan'))).status).toBe(200);

    // Morgan's client checks that the restored log extends the one it saw, and that Jordan's keys are in it.
    // With the log key from its build (the trust roots), not from the restored server's answer.
    const logPublicKey = testLogPublicKey();
    const growth = (await api.get<{ proof: string[]; head: SignedTreeHead }>(`/api/key-log/consistency?from=${keptHead.treeSize}`)).body;
    expect(checkLogGrowth({ oldHead: keptHead, newHead: growth.head, proof: growth.proof, logPublicKey })).toEqual({ ok: true });
    const [jordanKeys] = (await api.get<{ keys: { signPublicKey: string; boxPublicKey: string }[] }>(`/api/keys?userIds=${cast.jordan.userId}`)).body.keys;
    if (!jordanKeys) throw new Error('Jordan has no keys on the restored server');
    const proof = (await api.get<KeyLogProof>(`/api/key-log/proof?userId=${cast.jordan.userId}`)).body;
    expect(checkPublishedKeys({ userId: cast.jordan.userId, keys: jordanKeys, log: proof, logPublicKey })).toEqual({ ok: true });

    // The private keys never were on the server: Morgan's client (here, still in memory) opens the message.
    const socket = api.socket();
    try {
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
      const sync = (await socket.timeout(10_000).emitWithAck('sync:since', { cursor: 0 })) as Ack<{ messages: SyncedMessage[] }>;
      if (!sync.ok) throw new Error(`sync failed: ${sync.error.code}`);
      const message: SyncedMessage | undefined = sync.messages.find((m) => m.id === messageId);
      expect(message?.envelope).toBeTruthy();
      expect(cast.morgan.open(listing(message), cast.jordan)).toBe(PLAINTEXT);
    } finally {
      socket.close();
    }
  });
});
