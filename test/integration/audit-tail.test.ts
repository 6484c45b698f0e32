import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AUDIT_GENESIS_HASH, auditEntryHash, ready, type AuditChainEntry } from '../../crypto';
import { appendAuditEntries } from '../../server/audit';
import { auditVerifyScript, havenCommand } from '../support/commands';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';

// An attacker with full access to the database, but not to the installation key (kept outside
// it), tries to rewrite the tail of the audit chain. Each attack gets an installation of its own.

interface Problem {
  seq: number;
  kind: string;
  message: string;
}
interface Verification {
  ok: boolean;
  checked: number;
  problem?: Problem;
  anchors: { latest: { seq: number } | null; problems: Problem[] };
}
interface AnchorRow {
  seq: number;
  hash: string;
  signature: string | null;
  key_id: string | null;
}
interface FileAnchor {
  seq: number;
  hash: string;
  at: string;
  keyId: string;
  signature: string;
}

const SLOW = { timeout: 120_000 };
const opened: TestHaven[] = [];

beforeAll(ready);
afterEach(async () => {
  await Promise.all(opened.splice(0).map((h) => h.close()));
});

async function installation(env: Record<string, string> = {}): Promise<{ haven: TestHaven; people: People }> {
  const haven = await startTestHaven({ seedDemo: true, env });
  opened.push(haven);
  return { haven, people: new People(() => haven) };
}

async function verifyThroughApi(people: People): Promise<Verification> {
  const sam = await people.as('Sam');
  const res = await sam.get<Verification>('/api/audit/verify');
  expect(res.status).toBe(200);
  return res.body;
}

/** As someone with the database's owner rights: the append-only triggers switched off for the work. */
async function asAttacker<T>(haven: TestHaven, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await rawClient(haven.database.url);
  try {
    await client.query('alter table audit_entries disable trigger user');
    await client.query('alter table audit_anchors disable trigger user');
    const result = await work(client);
    await client.query('alter table audit_entries enable trigger user');
    await client.query('alter table audit_anchors enable trigger user');
    return result;
  } finally {
    await client.end();
  }
}

async function chainHead(haven: TestHaven): Promise<{ seq: number; hash: string }> {
  const client = await rawClient(haven.database.url);
  try {
    const { rows } = await client.query<{ seq: string; hash: string }>('select seq, hash from audit_entries order by seq desc limit 1');
    return { seq: Number(rows[0]?.seq ?? 0), hash: rows[0]?.hash ?? AUDIT_GENESIS_HASH };
  } finally {
    await client.end();
  }
}

async function databaseAnchors(haven: TestHaven): Promise<AnchorRow[]> {
  const client = await rawClient(haven.database.url);
  try {
    const { rows } = await client.query<AnchorRow & { seq: string }>('select * from audit_anchors order by seq');
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  } finally {
    await client.end();
  }
}

const anchorFile = (haven: TestHaven) => path.join(haven.dataDir, 'audit-anchors.jsonl');

function fileAnchors(haven: TestHaven): FileAnchor[] {
  if (!existsSync(anchorFile(haven))) return [];
  return readFileSync(anchorFile(haven), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as FileAnchor);
}

/** A server process starting and stopping on the installation: it anchors the head as it goes. */
async function serverComesAndGoes(haven: TestHaven): Promise<void> {
  const node = await haven.addNode();
  await node.close();
}

/** An entry written as Haven would write it, were its hash not keyed: what anyone with the database can compute. */
function unkeyedEntry(seq: number, previous: string, fields: Partial<AuditChainEntry> = {}) {
  const entry: AuditChainEntry = {
    seq,
    at: new Date().toISOString(),
    actorId: null,
    agencyId: null,
    action: 'account.verified',
    subjectType: null,
    subjectId: null,
    detail: {},
    ...fields,
  };
  return { entry, hash: auditEntryHash(previous, entry) };
}

async function appendUnkeyed(
  client: pg.Client,
  previous: { seq: number; hash: string },
  fields: Partial<AuditChainEntry> = {},
): Promise<{ seq: number; hash: string }> {
  const { entry, hash } = unkeyedEntry(previous.seq + 1, previous.hash, fields);
  await client.query(
    `insert into audit_entries (seq, at, actor_id, agency_id, action, subject_type, subject_id, detail, prev_hash, hash)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [entry.seq, entry.at, entry.actorId, entry.agencyId, entry.action, entry.subjectType, entry.subjectId, JSON.stringify(entry.detail), previous.hash, hash],
  );
  return { seq: entry.seq, hash };
}

/** Rewrites every entry (up to `through`) with recomputed, unkeyed hashes, changing what `change` changes: a consistent chain. */
async function rewriteChain(client: pg.Client, change: (entry: AuditChainEntry) => AuditChainEntry, through = Number.MAX_SAFE_INTEGER): Promise<void> {
  const { rows } = await client.query<{
    seq: string;
    at: Date;
    actor_id: string | null;
    agency_id: string | null;
    action: string;
    subject_type: string | null;
    subject_id: string | null;
    detail: Record<string, unknown>;
  }>('select * from audit_entries where seq <= $1 order by seq', [through]);
  let previous = AUDIT_GENESIS_HASH;
  for (const row of rows) {
    const entry = change({
      seq: Number(row.seq),
      at: row.at.toISOString(),
      actorId: row.actor_id,
      agencyId: row.agency_id,
      action: row.action,
      subjectType: row.subject_type,
      subjectId: row.subject_id,
      detail: row.detail,
    });
    const hash = auditEntryHash(previous, entry);
    await client.query('update audit_entries set detail = $1, prev_hash = $2, hash = $3 where seq = $4', [
      JSON.stringify(entry.detail),
      previous,
      hash,
      entry.seq,
    ]);
    previous = hash;
  }
}

describe('the tail of the audit chain, against an attacker holding the database but not the installation key', () => {
  it('an entry appended with a recomputed hash fails verification: the API, `npm run haven -- verify` and `npm run audit:verify`', SLOW, async () => {
    const { haven, people } = await installation();
    await people.as('Sam');
    const forged = await asAttacker(haven, async (client) => appendUnkeyed(client, await chainHead(haven)));

    const report = await verifyThroughApi(people);
    expect(report.ok).toBe(false);
    expect(report.problem).toMatchObject({ seq: forged.seq, kind: 'forged' });

    const [cli, script] = await Promise.all([havenCommand(haven.env, 'verify'), auditVerifyScript(haven.env)]);
    expect(cli.code, cli.stdout + cli.stderr).toBe(3);
    expect(cli.stdout).toMatch(new RegExp(`Audit chain BROKEN at entry ${forged.seq} \\(forged\\)`));
    expect(script.code, script.stdout + script.stderr).toBe(2);
    expect(script.stdout).toMatch(new RegExp(`Audit chain BROKEN at entry ${forged.seq} \\(forged\\)`));
  });

  it('deleting the newest entries, back past the latest signed anchor, is reported as truncation', SLOW, async () => {
    const { haven, people } = await installation();
    const sam = await people.as('Sam');
    await sam.get('/api/audit?limit=5');
    await serverComesAndGoes(haven);
    const head = await chainHead(haven);
    const anchors = await databaseAnchors(haven);
    expect(anchors.at(-1)).toMatchObject({ seq: head.seq, hash: head.hash, signature: expect.any(String), key_id: expect.any(String) });
    expect(fileAnchors(haven).at(-1)).toMatchObject({ seq: head.seq, hash: head.hash });

    await asAttacker(haven, (client) => client.query('delete from audit_entries where seq > $1', [head.seq - 3]));

    const report = await verifyThroughApi(people);
    expect(report.ok).toBe(false);
    expect(report.problem).toMatchObject({ seq: head.seq - 2, kind: 'truncated' });
    const cli = await havenCommand(haven.env, 'verify');
    expect(cli.code, cli.stdout + cli.stderr).toBe(3);
    // The API's verification was itself audited meanwhile: the chain grew by an entry.
    expect(cli.stdout).toMatch(new RegExp(`^Audit chain TRUNCATED: Entries ${head.seq - 1} to ${head.seq} are gone`));
  });

  it('deleting every anchor from the database is caught by the anchor file', SLOW, async () => {
    const { haven, people } = await installation();
    await people.as('Sam');
    await serverComesAndGoes(haven);
    const anchored = (await chainHead(haven)).seq;
    await asAttacker(haven, (client) => client.query('delete from audit_anchors'));

    const report = await verifyThroughApi(people);
    expect(report.ok).toBe(false);
    expect(report.anchors.problems).toContainEqual(expect.objectContaining({ seq: anchored, kind: 'anchor_deleted' }));
    const cli = await havenCommand(haven.env, 'verify');
    expect(cli.code).toBe(3);
    expect(cli.stdout).toMatch(new RegExp(`anchor of entry ${anchored} .* is not in the database`));
  });

  it('deleting the anchors and rewriting the whole chain with recomputed hashes is caught', SLOW, async () => {
    const { haven, people } = await installation();
    await people.as('Sam');
    await serverComesAndGoes(haven);
    const anchored = (await chainHead(haven)).seq;
    // Entry 2 was a sign-in from some address: the attacker makes it say another, and re-chains everything.
    await asAttacker(haven, async (client) => {
      await client.query('delete from audit_anchors');
      await rewriteChain(client, (entry) => (entry.seq === 2 ? { ...entry, detail: { ...entry.detail, address: '10.9.9.9' } } : entry));
    });
    const elsewhere = { ...haven.env, HAVEN_AUDIT_ANCHOR_FILE: path.join(haven.dataDir, 'elsewhere.jsonl') };

    // A command run where no signed anchor is in sight will not write to, or vouch for, an unkeyed chain.
    const refused = await havenCommand(elsewhere, 'verify');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the anchors may have been deleted and the chain rewritten/);

    const report = await verifyThroughApi(people);
    expect(report.ok).toBe(false);
    // Nothing vouches for unkeyed entries in a chain that was keyed from the start; and the anchor file still has the deleted anchors.
    expect(report.problem).toMatchObject({ seq: 1, kind: 'forged' });
    expect(report.anchors.problems).toContainEqual(expect.objectContaining({ seq: anchored, kind: 'anchor_deleted' }));
    const [cli, script] = await Promise.all([havenCommand(haven.env, 'verify'), auditVerifyScript(haven.env)]);
    expect(cli.code).toBe(3);
    expect(script.code).toBe(2);

    // Without the anchor file too, nothing vouches for entries that are not keyed (the anchors
    // written since vouch for none): the first is reported.
    const withoutFile = await havenCommand(elsewhere, 'verify');
    expect(withoutFile.code).toBe(3);
    expect(withoutFile.stdout).toMatch(/Audit chain BROKEN at entry 1 \(forged\)/);
  });

  it('a forged anchor is reported, whether in the anchor file or in the database', SLOW, async () => {
    const { haven, people } = await installation();
    await people.as('Sam');
    await serverComesAndGoes(haven);
    const [genuine] = fileAnchors(haven).slice(-1);
    if (!genuine) throw new Error('the server wrote no anchor');
    // A genuine signature replayed for a head the chain never had, claiming entries that never existed.
    appendFileSync(anchorFile(haven), `${JSON.stringify({ ...genuine, seq: genuine.seq + 40, hash: 'ab'.repeat(32) })}\n`);
    await asAttacker(haven, (client) =>
      client.query('insert into audit_anchors (seq, hash, anchored_at, signature, key_id) values ($1, $2, now(), $3, $4)', [
        genuine.seq + 41,
        'cd'.repeat(32),
        genuine.signature,
        genuine.keyId,
      ]),
    );

    const report = await verifyThroughApi(people);
    expect(report.ok).toBe(false);
    expect(report.anchors.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ seq: genuine.seq + 40, kind: 'anchor_forged' }),
        expect.objectContaining({ seq: genuine.seq + 41, kind: 'anchor_forged' }),
      ]),
    );
    // Forged anchors count for nothing: the latest anchor is still the genuine one, and nothing reads as truncated.
    expect(report.anchors.latest).toMatchObject({ seq: genuine.seq });
    expect(report.problem?.kind).toBe('anchor_forged');

    // Nor do they stop anything: an anchor row claiming another key does not lock the installation
    // out, and the server goes on anchoring the heads it reaches.
    await asAttacker(haven, (client) =>
      client.query('insert into audit_anchors (seq, hash, anchored_at, signature, key_id) values ($1, $2, now(), $3, $4)', [
        genuine.seq + 1_000,
        'ef'.repeat(32),
        genuine.signature,
        'A'.repeat(43),
      ]),
    );
    const cli = await havenCommand(haven.env, 'verify');
    expect(cli.code, cli.stderr).toBe(3);
    expect(cli.stdout).toMatch(new RegExp(`Audit anchor PROBLEM \\(anchor_forged\\): The anchor of entry ${genuine.seq + 1_000} in the database`));
    await serverComesAndGoes(haven);
    const head = await chainHead(haven);
    expect((await databaseAnchors(haven)).find((a) => a.seq === head.seq)).toMatchObject({ hash: head.hash, key_id: genuine.keyId });
  });
});

describe('anchors written by the server itself', () => {
  it('every HAVEN_AUDIT_ANCHOR_SECONDS, without a worker, in the database and the anchor file, each head once', SLOW, async () => {
    const { haven, people } = await installation({ HAVEN_AUDIT_ANCHOR_SECONDS: '1' });
    await people.as('Sam');
    const head = await chainHead(haven);
    await vi.waitFor(
      async () => {
        expect((await databaseAnchors(haven)).at(-1)?.seq ?? 0).toBeGreaterThanOrEqual(head.seq);
        expect(fileAnchors(haven).at(-1)?.seq ?? 0).toBeGreaterThanOrEqual(head.seq);
      },
      { timeout: 15_000, interval: 200 },
    );
    const seqs = fileAnchors(haven).map((a) => a.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    const report = await verifyThroughApi(people);
    expect(report).toMatchObject({ ok: true, anchors: { problems: [] } });
    expect(report.anchors.latest?.seq).toBeGreaterThanOrEqual(head.seq);
  });

  it('a chain written before entries were keyed (format v1) still verifies once a server has anchored it', SLOW, async () => {
    const haven = await startTestHaven();
    opened.push(haven);
    // As the previous version of Haven wrote them: five entries with unkeyed hashes.
    const client = await rawClient(haven.database.url);
    try {
      let head = { seq: 0, hash: AUDIT_GENESIS_HASH };
      for (let i = 0; i < 5; i += 1) head = await appendUnkeyed(client, head, { action: 'system.demo_seeded', detail: { legacy: i } });
    } finally {
      await client.end();
    }
    // Until a server has started on it, nothing else writes to such a chain.
    const early = await havenCommand(haven.env, 'verify');
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/If Haven was just upgraded, start the server once/);
    await serverComesAndGoes(haven);
    await appendAuditEntries(haven.ctx.db, [{ actorId: null, agencyId: null, action: 'system.demo_seeded', detail: { keyed: true } }], new Date());
    const cli = await havenCommand(haven.env, 'verify');
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/^Audit chain intact: 6 entries \(5 in the unkeyed format v1, vouched for by a signed anchor\)/);

    // The old entries can be recomputed by anyone, but not to the hash their anchor signed.
    await asAttacker(haven, (client) => rewriteChain(client, (entry) => (entry.seq === 2 ? { ...entry, detail: { legacy: 'rewritten' } } : entry), 5));
    const rewritten = await havenCommand(haven.env, 'verify');
    expect(rewritten.code).toBe(3);
    expect(rewritten.stdout).toMatch(/^Audit chain BROKEN at entry 5 \(rewritten\): Entry 5 differs from the signed anchor of/);
  });
});
