import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { createHaven, type Haven } from '../../server/app';
import { loadConfig } from '../../server/config';
import { openDatabase, type DatabaseHandle } from '../../server/db';
import { seedDemo, type DemoAccount } from '../../server/demo/seed';
import { silentNotifier } from '../../server/shared/context';
import { ApiClient } from '../support/client';
import { testAuditKeys } from '../support/database';
import { freePort } from '../support/net';
import { Practitioner, startConversation } from '../support/practitioner';
import { TEST_TRUST_ENV } from '../support/trust-roots';

// A PostgreSQL server of this test's own (the shared one must not be restarted under other tests).
const bin = path.join('/usr/lib/postgresql', readdirSync('/usr/lib/postgresql')[0] ?? '15', 'bin');
const dataDir = mkdtempSync(path.join(tmpdir(), 'haven-pg-'));
const havenDataDir = mkdtempSync(path.join(tmpdir(), 'haven-data-'));
let port = 0;
let database: DatabaseHandle;
let haven: Haven;
let demo: DemoAccount[] = [];
let url = '';

/** pg_ctl refuses to run as root; run it as the postgres user then. */
function pgCtl(...args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  const command = asRoot ? 'runuser' : path.join(bin, 'pg_ctl');
  const fullArgs = asRoot ? ['-u', 'postgres', '--', path.join(bin, 'pg_ctl'), ...args] : args;
  const result = spawnSync(command, fullArgs, { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`pg_ctl ${args[0]} failed`);
}

beforeAll(async () => {
  await ready();
  port = await freePort();
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dataDir]);
  const initdb =
    process.getuid?.() === 0
      ? ['runuser', ['-u', 'postgres', '--', path.join(bin, 'initdb'), '-D', dataDir, '-A', 'trust', '-U', 'postgres']]
      : [path.join(bin, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres']];
  execFileSync(initdb[0] as string, initdb[1] as string[], { stdio: 'ignore' });
  pgCtl('start', '-D', dataDir, '-w', '-o', `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1`);
  const databaseUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  database = await openDatabase({ databaseUrl, dataDir: '/nonexistent' });
  // The anchor file goes to the test's own folder, not ./data.
  const config = loadConfig({ ...TEST_TRUST_ENV, PORT: '0', DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', HAVEN_DATA_DIR: havenDataDir });
  haven = createHaven({ config, auditKeys: testAuditKeys(), database, redis: null, logger: pino({ level: 'silent' }), clock: () => new Date() });
  url = `http://127.0.0.1:${await haven.listen()}`;
  demo = (await seedDemo({ db: database.db, config, clock: () => new Date(), notifier: silentNotifier })) ?? [];
}, 60_000);

afterAll(async () => {
  await haven.close();
  await database.close();
  try {
    pgCtl('stop', '-D', dataDir, '-m', 'immediate');
  } catch {
    // Already stopped.
  }
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(havenDataDir, { recursive: true, force: true });
});

describe('PostgreSQL restarted', () => {
  it('sends fail with a clear error and are not acknowledged while it is down, then succeed on resend, stored once', async () => {
    const account = (name: string) =>
      demo.find((a) => a.name.startsWith(name)) ??
      (() => {
        throw new Error(name);
      })();
    const jordan = new Practitioner(new ApiClient(url));
    const morgan = new Practitioner(new ApiClient(url));
    await jordan.api.signIn(account('Jordan'));
    await morgan.api.signIn(account('Morgan'));
    await jordan.publishKeys();
    await morgan.publishKeys();
    await jordan.connect();
    await morgan.connect();
    const thread = await startConversation(jordan, [morgan], 'Lily Hartwell');

    pgCtl('stop', '-D', dataDir, '-m', 'immediate');
    const envelope = jordan.seal(thread, [morgan], 'sent while the database was down');
    const refused = await jordan.send(envelope);
    expect(refused).toMatchObject({ ok: false, error: { code: expect.stringMatching(/database_unavailable|session_ended/) } });
    const health = await new ApiClient(url).get('/api/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ down: ['database'] });

    pgCtl('start', '-D', dataDir, '-w', '-o', `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1`);
    let ack: { ok: boolean } = { ok: false };
    for (let i = 0; i < 50 && !ack.ok; i++) {
      if (!jordan.socket?.connected) await jordan.connect().catch(() => undefined);
      ack = await jordan.send(envelope).catch(() => ({ ok: false }));
      if (!ack.ok) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ack).toMatchObject({ ok: true, duplicate: false });
    const sync = (await morgan.sync(0)) as { messages: { id: string }[] };
    expect(sync.messages.filter((m) => m.id === envelope.header.id)).toHaveLength(1);
    jordan.disconnect();
    morgan.disconnect();
  }, 60_000);
});
