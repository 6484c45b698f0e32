import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fromBase64Url,
  fromHex,
  generateIdentity,
  keyFingerprint,
  keyLogLeafHash,
  publicIdentity,
  ready,
  signTreeHead,
  signingKeyPairFromSeed,
  toBase64Url,
  toHex,
  treeHead,
  type KeyLogEntry,
  type SignedTreeHead,
} from '../../crypto';
import { findUserByEmail } from '../../server/accounts/accounts.store';
import { appendToKeyLog } from '../../server/keys/key-log.service';
import { havenCommand } from '../support/commands';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { TEST_KEY_LOG_SEED, TEST_TRUST_ROOTS_FILE } from '../support/trust-roots';

// `npm run haven -- key-log-monitor` (issue 17 item 3) as cron would run it: its own process, its
// state in a file outside the database. The attacker is the strongest there is for the key log: a
// server process that holds the log's signing key and edits the database as it likes.

const SLOW = { timeout: 120_000 };
const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at |node:internal/);

let clean: TestHaven;
let sameSize: TestHaven;
let unsigned: TestHaven;

beforeAll(async () => {
  await ready();
  [clean, sameSize, unsigned] = await Promise.all([startTestHaven({ seedDemo: true }), startTestHaven({ seedDemo: true }), startTestHaven({ seedDemo: true })]);
  for (const haven of [clean, sameSize, unsigned]) for (const name of ['Jordan', 'Morgan', 'Sam']) await logKeysOf(haven, name);
});
afterAll(() => Promise.all([clean, sameSize, unsigned].map((h) => h?.close())));

/** What the honest server does when someone publishes keys: a leaf and a signed head. */
async function logKeysOf(haven: TestHaven, name: string): Promise<void> {
  const user = await findUserByEmail(haven.ctx.db, haven.account(name).email);
  if (!user) throw new Error(`no user ${name}`);
  const keys = publicIdentity(generateIdentity());
  const entry: KeyLogEntry = {
    v: 1,
    userId: user.id,
    ...keys,
    fingerprint: keyFingerprint(keys),
    attestedBy: null,
    attestation: null,
    loggedAt: new Date().toISOString(),
  };
  await haven.ctx.db.transaction((tx) => appendToKeyLog(haven.ctx, tx, entry));
}

const logKey = () => signingKeyPairFromSeed(fromBase64Url(TEST_KEY_LOG_SEED)).privateKey;
const monitor = (haven: TestHaven, state: string) => havenCommand(haven.env, 'key-log-monitor', '--state', state);
const stateOf = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { head: SignedTreeHead | null; verifiedAt: string };

async function query<T extends Record<string, unknown>>(haven: TestHaven, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = await rawClient(haven.database.url);
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function heads(haven: TestHaven): Promise<SignedTreeHead[]> {
  const rows = await query<{ tree_size: string; root_hash: string; timestamp: string; signature: string }>(
    haven,
    'select tree_size, root_hash, timestamp, signature from key_log_heads order by tree_size',
  );
  return rows.map((r) => ({ v: 1, treeSize: Number(r.tree_size), rootHash: r.root_hash, timestamp: r.timestamp, signature: r.signature }));
}

const systemAdminNotices = (haven: TestHaven) =>
  query<{ n: number }>(
    haven,
    `select count(*)::int as n from notices n join users u on u.id = n.user_id where n.kind = 'key_log_fork' and u.role = 'system_admin'`,
  );

describe('npm run haven -- key-log-monitor', () => {
  it('on a consistent log exits 0 and keeps the newest head in its state file (owner-only), advancing as the log grows', SLOW, async () => {
    const state = path.join(clean.dataDir, 'monitor', 'state.json');
    const first = await monitor(clean, state);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/consistent/i);
    const [, , newest] = await heads(clean);
    expect(stateOf(state).head).toEqual(newest);
    expect(statSync(state).mode & 0o777).toBe(0o600);

    const again = await monitor(clean, state);
    expect(again.code, again.stderr).toBe(0);
    expect(stateOf(state).head).toEqual(newest);

    await logKeysOf(clean, 'Ruth');
    const grown = await monitor(clean, state);
    expect(grown.code, grown.stderr).toBe(0);
    expect(stateOf(state).head?.treeSize).toBe(4);
    expect((await systemAdminNotices(clean))[0]?.n).toBe(0);
  });

  it('catches a rewritten, consistently re-signed history against the head it kept; tells the system admins once', SLOW, async () => {
    const state = path.join(clean.dataDir, 'rewrite-state.json');
    expect((await monitor(clean, state)).code).toBe(0);
    const kept = stateOf(state).head;
    if (!kept) throw new Error('no kept head');

    // The malicious server swaps Jordan's keys in leaf 0 for its own and re-signs every head, so
    // the database is consistent with itself again: verify, reading only the database, finds nothing.
    const sql = await rawClient(clean.database.url);
    try {
      const leaves = (await sql.query<{ entry: KeyLogEntry; leaf_hash: string }>('select entry, leaf_hash from key_log_leaves order by seq')).rows;
      const fake = publicIdentity(generateIdentity());
      const forged: KeyLogEntry = { ...leaves[0]!.entry, ...fake, fingerprint: keyFingerprint(fake) };
      const hashes = leaves.map((l) => l.leaf_hash);
      hashes[0] = toHex(keyLogLeafHash(forged));
      await sql.query('alter table key_log_leaves disable trigger user');
      await sql.query('alter table key_log_heads disable trigger user');
      await sql.query('update key_log_leaves set entry = $1, leaf_hash = $2 where seq = 0', [forged, hashes[0]]);
      await sql.query('delete from key_log_heads');
      for (let size = 1; size <= hashes.length; size++) {
        const head = signTreeHead(
          { v: 1, treeSize: size, rootHash: toHex(treeHead(hashes.slice(0, size).map(fromHex))), timestamp: new Date().toISOString() },
          logKey(),
        );
        await sql.query('insert into key_log_heads (tree_size, root_hash, timestamp, signature) values ($1, $2, $3, $4)', [
          head.treeSize,
          head.rootHash,
          head.timestamp,
          head.signature,
        ]);
      }
      await sql.query('alter table key_log_leaves enable trigger user');
      await sql.query('alter table key_log_heads enable trigger user');
    } finally {
      await sql.end();
    }
    const verify = await havenCommand(clean.env, 'verify');
    expect(verify.stdout).toMatch(/Key log intact/);

    const rewritten = (await heads(clean)).find((h) => h.treeSize === kept.treeSize);
    if (!rewritten) throw new Error('no rewritten head');
    const found = await monitor(clean, state);
    expect(found.code, found.stderr).toBe(3);
    noStackTrace(found.stderr);
    expect(found.stdout).toMatch(/fork/i);
    expect(found.stdout).toContain(kept.rootHash);
    expect(found.stdout).toContain(rewritten.rootHash);
    expect(stateOf(state).head).toEqual(kept);
    expect((await systemAdminNotices(clean))[0]?.n).toBe(1);
    const audited = await query<{ detail: { heads: SignedTreeHead[] } }>(clean, `select detail from audit_entries where action = 'key_log.fork_detected'`);
    expect(audited).toHaveLength(1);
    expect(audited[0]?.detail.heads).toEqual(expect.arrayContaining([kept, rewritten]));

    const again = await monitor(clean, state);
    expect(again.code).toBe(3);
    expect(again.stdout).toContain(kept.rootHash);
    expect((await systemAdminNotices(clean))[0]?.n).toBe(1);
    expect(await query(clean, `select seq from audit_entries where action = 'key_log.fork_detected'`)).toHaveLength(1);
  });

  it('says in one line that its state file is damaged, and leaves it as it was', SLOW, async () => {
    const state = path.join(clean.dataDir, 'damaged-state.json');
    for (const damage of ['{"v":1,"head":', '{"v":1,"head":{"treeSize":"many"}}']) {
      writeFileSync(state, damage);
      const res = await monitor(clean, state);
      expect(res.code).toBe(1);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(/^haven: key-log-monitor: .*damaged-state\.json is not a key log monitor state file .*\n$/);
      noStackTrace(res.stderr);
      expect(readFileSync(state, 'utf8')).toBe(damage);
    }
  });

  it('refuses in one line without trust roots, or with trust roots naming another log key', SLOW, async () => {
    const state = path.join(clean.dataDir, 'refused-state.json');
    const missing = await havenCommand(
      { ...clean.env, HAVEN_TRUST_ROOTS_FILE: path.join(clean.dataDir, 'no-such-roots.json') },
      'key-log-monitor',
      '--state',
      state,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^haven: key-log-monitor: there is no trust roots file .*no-such-roots\.json.*never from the database.*\n$/);
    const other = path.join(clean.dataDir, 'other-roots.json');
    const otherKey = toBase64Url(generateIdentity().signPublicKey);
    writeFileSync(other, JSON.stringify({ ...JSON.parse(readFileSync(TEST_TRUST_ROOTS_FILE, 'utf8')), keyLogPublicKey: otherKey }));
    const differs = await havenCommand({ ...clean.env, HAVEN_TRUST_ROOTS_FILE: other }, 'key-log-monitor', '--state', state);
    expect(differs.code).toBe(1);
    expect(differs.stderr).toMatch(
      new RegExp(`^haven: key-log-monitor: .*other-roots\\.json names key log key ${otherKey}, but this installation is configured with .*\\n$`),
    );
    expect(existsSync(state)).toBe(false);
  });

  it('reports two signed heads of one size with different roots', SLOW, async () => {
    const state = path.join(sameSize.dataDir, 'state.json');
    const [, second] = await heads(sameSize);
    if (!second) throw new Error('no head of size 2');
    const other = signTreeHead({ v: 1, treeSize: 2, rootHash: toHex(new Uint8Array(32).fill(7)), timestamp: new Date().toISOString() }, logKey());
    const sql = await rawClient(sameSize.database.url);
    try {
      await sql.query('alter table key_log_heads drop constraint key_log_heads_pkey');
      await sql.query('insert into key_log_heads (tree_size, root_hash, timestamp, signature) values ($1, $2, $3, $4)', [
        2,
        other.rootHash,
        other.timestamp,
        other.signature,
      ]);
    } finally {
      await sql.end();
    }
    const res = await monitor(sameSize, state);
    expect(res.code, res.stderr).toBe(3);
    expect(res.stdout).toContain(second.rootHash);
    expect(res.stdout).toContain(other.rootHash);
    expect((await systemAdminNotices(sameSize))[0]?.n).toBe(1);
  });

  it('reports a head the trust roots’ key did not sign', SLOW, async () => {
    const state = path.join(unsigned.dataDir, 'state.json');
    expect((await monitor(unsigned, state)).code).toBe(0);
    const [, , third] = await heads(unsigned);
    if (!third) throw new Error('no head of size 3');
    const hashes = (await query<{ leaf_hash: string }>(unsigned, 'select leaf_hash from key_log_leaves order by seq')).map((r) => r.leaf_hash);
    // A leaf and a head signed with a key the database made up (it does not hold the log key).
    const fake = publicIdentity(generateIdentity());
    const user = await findUserByEmail(unsigned.ctx.db, unsigned.account('Morgan').email);
    const entry: KeyLogEntry = {
      v: 1,
      userId: user!.id,
      ...fake,
      fingerprint: keyFingerprint(fake),
      attestedBy: null,
      attestation: null,
      loggedAt: new Date().toISOString(),
    };
    const leafHash = toHex(keyLogLeafHash(entry));
    const forged = signTreeHead(
      { v: 1, treeSize: hashes.length + 1, rootHash: toHex(treeHead([...hashes, leafHash].map(fromHex))), timestamp: new Date().toISOString() },
      generateIdentity().signPrivateKey,
    );
    const sql = await rawClient(unsigned.database.url);
    try {
      await sql.query('insert into key_log_leaves (seq, user_id, entry, leaf_hash) values ($1, $2, $3, $4)', [hashes.length, entry.userId, entry, leafHash]);
      await sql.query('insert into key_log_heads (tree_size, root_hash, timestamp, signature) values ($1, $2, $3, $4)', [
        forged.treeSize,
        forged.rootHash,
        forged.timestamp,
        forged.signature,
      ]);
    } finally {
      await sql.end();
    }
    const res = await monitor(unsigned, state);
    expect(res.code, res.stderr).toBe(3);
    expect(res.stdout).toMatch(/not signed/);
    expect(res.stdout).toContain(forged.rootHash);
    expect(stateOf(state).head).toEqual(third);
    expect((await systemAdminNotices(unsigned))[0]?.n).toBe(1);
  });
});
