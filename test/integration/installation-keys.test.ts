import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { havenCommand } from '../support/commands';
import { createTestDatabase, rawClient, type TestDatabase } from '../support/database';
import { TEST_TRUST_ENV } from '../support/trust-roots';
import { entryArgs } from '../support/compiled-entries';

// The installation key: kept outside the database (an environment variable, or a file in the data
// folder), made on first start or by `npm run haven -- keys create`, never written to the database.

const run = promisify(execFile);
const SLOW = { timeout: 120_000 };
const folders: string[] = [];
const dataFolder = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'haven-keys-'));
  folders.push(dir);
  return dir;
};
const keyFile = (dir: string) => path.join(dir, 'installation-keys.json');

beforeAll(ready);
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

describe('npm run haven -- keys', () => {
  it('`keys create` makes the key file once, readable by its owner only, and never replaces it', SLOW, async () => {
    const dir = dataFolder();
    const env = { HAVEN_DATA_DIR: dir, HAVEN_INSTALLATION_SEED: undefined, DATABASE_URL: undefined };
    const created = await havenCommand(env, 'keys', 'create');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(keyFile(dir));
    const keyId = /anchor key ([A-Za-z0-9_-]{43})/.exec(created.stdout)?.[1];
    expect(keyId).toBeDefined();
    expect(statSync(keyFile(dir)).mode & 0o777).toBe(0o600);
    const written = readFileSync(keyFile(dir), 'utf8');
    expect(JSON.parse(written)).toMatchObject({ format: 'haven/installation-keys/v1', seed: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });

    const again = await havenCommand(env, 'keys', 'create');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    expect(readFileSync(keyFile(dir), 'utf8')).toBe(written);

    const shown = await havenCommand(env, 'keys', 'show');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`anchor key ${keyId}`);
    const fromSeed = await havenCommand({ ...env, HAVEN_INSTALLATION_SEED: randomBytes(32).toString('base64url') }, 'keys', 'show');
    expect(fromSeed.stdout).toMatch(/HAVEN_INSTALLATION_SEED/);
    expect(fromSeed.stdout).not.toContain(keyId);
  });
});

describe('a server on PostgreSQL with no key configured', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  it('makes its key file on first start, anchors its head when stopped with SIGTERM, and never puts the key in the database', SLOW, async () => {
    const dir = dataFolder();
    let output = '';
    const server = spawn(process.execPath, entryArgs('server', '--seed-demo'), {
      env: {
        ...process.env,
        ...TEST_TRUST_ENV,
        PORT: '0',
        DATABASE_URL: database.url,
        HAVEN_DATA_DIR: dir,
        HAVEN_INSTALLATION_SEED: '',
        REDIS_URL: '',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      const look = (chunk: Buffer) => {
        output += chunk.toString();
        if (/Haven demo is running at/.test(output)) resolve();
      };
      server.stdout.on('data', look);
      server.stderr.on('data', look);
      server.once('exit', () => reject(new Error(`the server exited: ${output}`)));
    });
    expect(statSync(keyFile(dir)).mode & 0o777).toBe(0o600);
    server.kill('SIGTERM');
    expect(await exited).toBe(0);

    const client = await rawClient(database.url);
    try {
      const head = (await client.query<{ seq: string; hash: string }>('select seq, hash from audit_entries order by seq desc limit 1')).rows[0];
      const anchor = (await client.query<{ seq: string; hash: string }>('select seq, hash from audit_anchors order by seq desc limit 1')).rows[0];
      expect(head).toBeDefined();
      expect(anchor).toEqual(head);
    } finally {
      await client.end();
    }
    const lines = readFileSync(path.join(dir, 'audit-anchors.jsonl'), 'utf8').trim().split('\n');
    expect(JSON.parse(lines.at(-1) ?? '{}')).toMatchObject({ seq: expect.any(Number), signature: expect.any(String) });

    // Neither the seed nor anything in the key file is anywhere in the database.
    const { seed } = JSON.parse(readFileSync(keyFile(dir), 'utf8')) as { seed: string };
    const { stdout: dump } = await run('/usr/bin/pg_dump', ['--data-only', database.url], { maxBuffer: 64 * 1024 * 1024 });
    expect(dump).toContain('audit_anchors');
    expect(dump).not.toContain(seed);
    expect(dump).not.toContain(Buffer.from(seed, 'base64url').toString('hex'));

    // The command line finds the same key in the data folder, and the chain verifies with it.
    const verified = await havenCommand({ DATABASE_URL: database.url, HAVEN_DATA_DIR: dir, HAVEN_INSTALLATION_SEED: undefined }, 'verify');
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^Audit chain intact/);
    // The command audited its verification, and anchored the head it left before exiting.
    const after = await rawClient(database.url);
    try {
      const [head, anchor] = await Promise.all(
        ['audit_entries', 'audit_anchors'].map(async (table) => (await after.query<{ seq: string }>(`select max(seq) as seq from ${table}`)).rows[0]?.seq),
      );
      expect(anchor).toBe(head);
    } finally {
      await after.end();
    }

    // Another key (a restore without the key file, a second server with a key of its own) is refused, not used.
    const otherKey = await havenCommand(
      { DATABASE_URL: database.url, HAVEN_DATA_DIR: dir, HAVEN_INSTALLATION_SEED: randomBytes(32).toString('base64url') },
      'verify',
    );
    expect(otherKey.code).toBe(1);
    expect(otherKey.stderr).toMatch(/signed with another installation key/);
  });
});
