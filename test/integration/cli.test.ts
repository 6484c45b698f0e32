import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ready, verifyPassword } from '../../crypto';
import { runCli } from '../../server/cli/cli';
import { CliIo } from '../../server/cli/io';
import { ApiClient } from '../support/client';
import { ageChild, bornYearsAgo } from '../support/aged-children';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { entryArgs } from '../support/compiled-entries';

// The CLI runs as the operator would run it: its own process, configured by the environment.
// Each spawn costs a second or more, so each test makes as few as it can.
interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function haven(databaseUrl: string | null, ...args: string[]): Promise<CliResult> {
  return havenWith({}, databaseUrl, ...args);
}

/** The command with more of the environment set (REDIS_URL, to reach the server's sockets). */
function havenWith(more: Record<string, string>, databaseUrl: string | null, ...args: string[]): Promise<CliResult> {
  return runCommand(entryArgs('cli', ...args), more, databaseUrl);
}

/** Exactly what `npm run haven -- <args>` runs (tsx on the source), for the one test that proves the command itself. */
function havenFromSource(...args: string[]): Promise<CliResult> {
  return runCommand(['--import', 'tsx', 'server/cli/main.ts', ...args], {}, null);
}

function runCommand(nodeArgs: string[], more: Record<string, string>, databaseUrl: string | null): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: 'silent', HAVEN_AUDIT_ANCHOR_FILE: undefined, ...more };
  if (databaseUrl) Object.assign(env, installationOf(databaseUrl));
  return new Promise((resolve) => {
    execFile(process.execPath, nodeArgs, { env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** The same command in this process (no spawn): for the cases that only need the exit status and message. */
async function havenHere(databaseUrl: string | null, ...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io = new CliIo({ write: (text: string) => (stdout += text) }, { write: (text: string) => (stderr += text) });
  const code = await runCli(args, io, { LOG_LEVEL: 'silent', ...(databaseUrl && installationOf(databaseUrl)) });
  return { code, stdout, stderr };
}

/** The environment of the installation on this database (its data folder and installation key), as the operator has it. */
function installationOf(databaseUrl: string): Record<string, string> {
  const installation = [empty, demo].find((h) => h.database.url === databaseUrl);
  if (!installation) throw new Error('no installation on that database');
  return installation.env;
}

const SLOW = { timeout: 180_000 };
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const QUEUE_PREFIX = `cli-test-${process.pid}`;
const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at |Error:|node:internal/);

async function query<T extends Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = await rawClient(url);
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

let empty: TestHaven;
let demo: TestHaven;
const people = new People(() => demo);
let agedId = '';
let lilyId = '';

beforeAll(async () => {
  await ready();
  // The demo server shares its rooms through Redis, as an installation with workers would, so a
  // command (a suspension) reaches its sockets.
  [empty, demo] = await Promise.all([startTestHaven(), startTestHaven({ seedDemo: true, redisUrl: REDIS_URL, env: { HAVEN_QUEUE_PREFIX: QUEUE_PREFIX } })]);
  const jordan = await people.as('Jordan');
  // Added at 18; then time passes and she is two days past 19.
  const created = await jordan.post<{ child: { id: string } }>('/api/children', {
    name: 'Nadia Okonkwo-Reyes',
    dateOfBirth: bornYearsAgo(18),
    gender: 'female',
    address: '7 Heron Walk, Northmoor',
    postcode: 'NM2 5RT',
    parents: [],
    basis: 'involved',
  });
  expect(created.status).toBe(201);
  agedId = created.body.child.id;
  await ageChild(demo.database.url, agedId, bornYearsAgo(19, 2));
  lilyId = (await jordan.get<{ children: { id: string }[] }>('/api/children?name=Lily+Hartwell')).body.children[0]?.id ?? '';
});
afterAll(async () => {
  await Promise.all([empty?.close(), demo?.close()]);
});

describe('the command line itself', () => {
  it('--help lists every command; an unknown command is one line on stderr and exit 2, never a stack trace', SLOW, async () => {
    const [help, unknown] = await Promise.all([havenFromSource('--help'), havenFromSource('frobnicate')]);
    expect(help.code).toBe(0);
    for (const command of ['create-admin', 'suspend', 'verify', 'retention', 'sar-export']) expect(help.stdout).toContain(command);
    expect(help.stdout).toMatch(/Exit status/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('haven: unknown command "frobnicate"; run `npm run haven -- --help` for the commands\n');
    expect(unknown.stdout).toBe('');
  });

  it('each command explains itself, and every bad command line is refused in one line with exit 2', async () => {
    const help = await havenHere(null, 'retention', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run haven -- retention \[options\]/);
    expect(help.stdout).toMatch(/--dry-run/);
    expect((await havenHere(null, 'help', 'sar-export')).stdout).toMatch(/--format json\|html/);

    for (const [args, message] of [
      [[], /^haven: no command given/],
      [['retention', '--force'], /^haven: retention: Unknown option '--force'/],
      [['retention', 'now'], /^haven: retention: unexpected argument "now"/],
      [['sar-export', 'not-an-id'], /^haven: sar-export: <childId>: expected an id/],
      [['sar-export', '5b0e8d7e-1c4f-4b1a-9f7e-2d3c4b5a6f70', '--format', 'pdf'], /^haven: sar-export: --format: expected json or html/],
      [['suspend', 'someone@example.org'], /^haven: suspend: missing --reason/],
      [['suspend', '--reason'], /^haven: suspend: Option '--reason <value>' argument missing/],
      [
        ['create-admin', '--email', 'jo@example.org', '--name', 'Jo', '--vetting-checked-on', '2026-02-30'],
        /^haven: create-admin: --vetting-checked-on: Enter a real date/,
      ],
      [
        ['create-admin', '--email', 'jo@example.org', '--name', 'Jo', '--vetting-checked-on', '2026-01-12'],
        /^haven: create-admin: missing --training-completed-on/,
      ],
      [['help', 'frobnicate'], /^haven: unknown command "frobnicate"/],
    ] as const) {
      // No database is given: a bad command line is refused before anything is opened.
      const result = await havenHere(null, ...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      noStackTrace(result.stderr);
    }
  });
});

describe('create-admin', () => {
  it('creates the first system admin, who signs in with what it printed; a second is refused', SLOW, async () => {
    const today = new Date().toISOString().slice(0, 10);
    const dates = ['--vetting-checked-on', today, '--training-completed-on', today];
    const created = await haven(empty.database.url, 'create-admin', '--email', 'Jo.Bloggs@haven.example.org', '--name', 'Jo Bloggs', ...dates);
    expect(created.stderr).toMatch(/not a terminal/);
    expect(created.code).toBe(0);
    const password = /password\s+(\S+)/.exec(created.stdout)?.[1] ?? '';
    const totpSecret = /two-factor secret\s+([A-Z2-7]+)/.exec(created.stdout)?.[1] ?? '';
    expect(created.stdout).toMatch(/otpauth:\/\/totp\//);

    const [row] = await query<{ id: string; role: string; registered_via: string; password_hash: string }>(
      empty.database.url,
      `select id, role, registered_via, password_hash from users where email = 'jo.bloggs@haven.example.org'`,
    );
    expect(row).toMatchObject({ role: 'system_admin', registered_via: 'cli' });
    expect(verifyPassword(row?.password_hash ?? '', password)).toBe(true);
    const audit = await query<{ action: string; actor_id: string | null; detail: { via?: string } }>(
      empty.database.url,
      `select action, actor_id, detail from audit_entries where subject_id = $1 order by seq`,
      [row?.id],
    );
    expect(audit.map((a) => a.action)).toEqual(['account.registered', 'account.verified', 'auth.mfa.enrolled']);
    expect(audit.every((a) => a.actor_id === null && a.detail.via === 'cli')).toBe(true);

    // The new admin signs in with both factors and is in good standing: they can verify the chain.
    const client = new ApiClient(empty.url);
    expect((await client.signIn({ email: 'jo.bloggs@haven.example.org', password, totpSecret })).status).toBe(200);
    const session = await client.get<{ session: { stage: string; user: { role: string; status: string } } }>('/api/session');
    expect(session.body.session).toMatchObject({ stage: 'active', user: { role: 'system_admin', status: 'verified' } });
    expect((await client.get<{ ok: boolean }>('/api/audit/verify')).body.ok).toBe(true);

    const again = await haven(empty.database.url, 'create-admin', '--email', 'sam@haven.example.org', '--name', 'Sam', ...dates);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^haven: create-admin: A system admin already exists/);
    noStackTrace(again.stderr);
    expect(await query(empty.database.url, `select 1 from users where email = 'sam@haven.example.org'`)).toEqual([]);
  });

  it('eight operators running create-admin at once, with no system admin able to act, make exactly one', SLOW, async () => {
    const today = new Date().toISOString().slice(0, 10);
    const dates = ['--vetting-checked-on', today, '--training-completed-on', today];
    // Whoever is system admin here now is suspended, so create-admin may make one again.
    await query(empty.database.url, `update users set suspended_at = now() where role = 'system_admin' and suspended_at is null`);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        havenHere(empty.database.url, 'create-admin', '--email', `racer${i}@haven.example.org`, '--name', `Racer ${i}`, ...dates),
      ),
    );
    expect(results.map((r) => r.code).sort()).toEqual([0, 1, 1, 1, 1, 1, 1, 1]);
    for (const refused of results.filter((r) => r.code !== 0)) expect(refused.stderr).toMatch(/^haven: create-admin: A system admin already exists/);
    const made = await query<{ email: string }>(empty.database.url, `select email from users where email like 'racer%' and role = 'system_admin'`);
    expect(made).toHaveLength(1);
  });
});

describe('suspend, retention and subject access on a running installation', () => {
  it('suspends a user as the admin screen would, recorded as done at the command line', SLOW, async () => {
    const morgan = demo.account('Morgan');
    const before = new ApiClient(demo.url);
    expect((await before.signIn(morgan)).status).toBe(200);
    const socket = before.socket();
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
    const ended = new Promise((resolve) => socket.once('session:ended', resolve));
    const result = await havenWith(
      { REDIS_URL, HAVEN_QUEUE_PREFIX: QUEUE_PREFIX },
      demo.database.url,
      'suspend',
      morgan.email,
      '--reason',
      'Account compromised, reported by IT',
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Suspended Morgan Reid/);

    // Signed out everywhere: the session is gone, and the socket on the server (another process,
    // reached through Redis) is told why and closed.
    expect(await ended).toEqual({ reason: 'suspended' });
    await vi.waitFor(() => expect(socket.connected).toBe(false));
    expect((await before.get<{ session: unknown }>('/api/session')).body.session).toBeNull();
    socket.close();

    const client = new ApiClient(demo.url);
    // The next time step's code: the one before has been used.
    expect((await client.signIn(morgan, new Date(Date.now() + 30_000))).status).toBe(200);
    const session = await client.get<{ session: { user: { status: string; suspension: { by: { name: string } } }; sharing: { allowed: boolean } } }>(
      '/api/session',
    );
    expect(session.body.session.user.status).toBe('suspended');
    expect(session.body.session.user.suspension.by.name).toMatch(/operator/);
    expect(session.body.session.sharing.allowed).toBe(false);
    expect((await client.get('/api/children?name=Lily')).status).toBe(403);

    const [entry] = await query<{ actor_id: string | null; detail: { via: string; reason: string } }>(
      demo.database.url,
      `select actor_id, detail from audit_entries where action = 'account.suspended'`,
    );
    expect(entry).toEqual({ actor_id: null, detail: { via: 'cli', reason: 'Account compromised, reported by IT' } });

    const twice = await havenHere(demo.database.url, 'suspend', morgan.email, '--reason', 'Again');
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/already suspended/);
  });

  it('retention --dry-run destroys nothing; retention destroys the child past 19, with progress', SLOW, async () => {
    const children = async () => (await query<{ n: number }>(demo.database.url, 'select count(*)::int as n from children'))[0]?.n;
    const before = await children();
    const dry = await haven(demo.database.url, 'retention', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.trim().split('\n')).toEqual([agedId]);
    expect(dry.stderr).toMatch(/Nothing was destroyed/);
    expect(await children()).toBe(before);

    const run = await haven(demo.database.url, 'retention');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Destroyed 1 of ~1 child…/);
    expect(run.stderr).toMatch(/destroyed the records of 1 child/);
    expect(await children()).toBe((before ?? 0) - 1);
    expect(await query(demo.database.url, 'select child_id from child_tombstones')).toEqual([{ child_id: agedId }]);
    const runs = await query<{ action: string; detail: { via?: string; dryRun: boolean } }>(
      demo.database.url,
      `select action, detail from audit_entries where action like 'retention.run_%' order by seq`,
    );
    expect(runs.map((r) => [r.action, r.detail.dryRun, r.detail.via])).toEqual([
      ['retention.run_started', true, 'cli'],
      ['retention.run_finished', true, 'cli'],
      ['retention.run_started', false, 'cli'],
      ['retention.run_finished', false, 'cli'],
    ]);
  });

  it('sar-export writes the export of the child’s open request to a new file, readable by the operator only', SLOW, async () => {
    const priya = await people.as('Priya');
    const request = await priya.post<{ request: { id: string } }>('/api/subject-access-requests', {
      childId: lilyId,
      requestedOn: new Date().toISOString().slice(0, 10),
      requestedBy: 'parent',
    });
    expect(request.status).toBe(201);
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'haven-sar-')), 'lily.html');
    const result = await haven(demo.database.url, 'sar-export', lilyId, '--out', out);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/Wrote the export of request/);
    expect(readFileSync(out, 'utf8')).toMatch(/<h1>Information held about Lily Hartwell<\/h1>/);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const [entry] = await query<{ actor_id: string | null; detail: { requestId: string; via: string } }>(
      demo.database.url,
      `select actor_id, detail from audit_entries where action = 'subject_access.exported'`,
    );
    expect(entry).toMatchObject({ actor_id: null, detail: { requestId: request.body.request.id, via: 'cli' } });

    // Never overwrites, and a child with no recorded request is explained, not exported.
    const again = await havenHere(demo.database.url, 'sar-export', lilyId, '--out', out);
    const none = await havenHere(demo.database.url, 'sar-export', agedId);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^haven: sar-export: There is no child on the index/);
  });
});

describe('verify', () => {
  it('passes on an intact installation and fails, exit 3, once an audit entry is tampered with', SLOW, async () => {
    const good = await haven(demo.database.url, 'verify');
    expect(good.code, good.stdout + good.stderr).toBe(0);
    expect(good.stdout).toMatch(/^Audit chain intact: \d+ entries/);
    expect(good.stdout).toMatch(/Key log intact: 0 entries/);

    const client = await rawClient(demo.database.url);
    try {
      await client.query('alter table audit_entries disable trigger user');
      await client.query(`update audit_entries set detail = '{"address":"10.9.9.9"}' where seq = 2`);
      await client.query('alter table audit_entries enable trigger user');
    } finally {
      await client.end();
    }
    const bad = await haven(demo.database.url, 'verify');
    expect(bad.code).toBe(3);
    expect(bad.stdout).toMatch(/Audit chain BROKEN at entry 2 \(modified\)/);
  });
});
