import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateIdentity, keyFingerprint, publicIdentity, ready, type EnvelopeHeaderV2, type KeyLogEntry, type SignedTreeHead } from '../../crypto';
import { ApiClient } from '../support/client';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { logAsServer, rewriteLogAsServer } from '../support/malicious-server';
import { People } from '../support/people';
import { listing, Practitioner, startConversation } from '../support/practitioner';

// Issue 17 item 3: a server holding the key log's key shows two people two different logs (it
// rewrote history after one of them had kept a head). Envelopes v2 carry each sender's head,
// signed by the sender; the reader compares it with the one it kept, and the pair goes to the
// system admins. The server checks a report's evidence before anyone is alarmed.

let haven: TestHaven;
const people = new People(() => haven);
let jordan: Practitioner;
let morgan: Practitioner;
let sam: Practitioner;
let thread: { id: string; childId: string };

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  const [j, m, s] = await Promise.all(['Jordan', 'Morgan', 'Sam'].map(async (name) => new Practitioner(await people.as(name))));
  if (!j || !m || !s) throw new Error('demo people missing');
  [jordan, morgan, sam] = [j, m, s];
  for (const p of [jordan, morgan, sam]) await p.publishKeys();
  thread = await startConversation(jordan, [morgan], 'Lily Hartwell');
});
afterAll(async () => {
  jordan?.disconnect();
  await haven?.close();
});

const fakeKeyFor = (userId: string): KeyLogEntry => {
  const fake = publicIdentity(generateIdentity());
  return { v: 1, userId, ...fake, fingerprint: keyFingerprint(fake), attestedBy: null, attestation: null, loggedAt: new Date().toISOString() };
};

async function seqOfFirstLeaf(userId: string): Promise<number> {
  const sql = await rawClient(haven.database.url);
  try {
    return Number((await sql.query<{ seq: string }>('select seq from key_log_leaves where user_id = $1 order by seq limit 1', [userId])).rows[0]?.seq ?? -1);
  } finally {
    await sql.end();
  }
}

async function forkReports(): Promise<{ heads: SignedTreeHead[] }[]> {
  const sql = await rawClient(haven.database.url);
  try {
    const rows = await sql.query<{ detail: { kind: string; heads?: SignedTreeHead[] } }>(
      `select detail from audit_entries where action = 'integrity.report_received' and detail->>'kind' = 'key_log_fork' order by seq`,
    );
    return rows.rows.map((r) => ({ heads: r.detail.heads ?? [] }));
  } finally {
    await sql.end();
  }
}

describe('a forked key log, noticed through the heads in envelopes', () => {
  it('same size, another root: the reader sees a fork and the system admins hold both heads', async () => {
    // Jordan's client checks Morgan's keys and keeps the head it saw.
    expect(await jordan.checkKeysOf(morgan.userId)).toMatchObject({ ok: true });
    const kept = jordan.keptHead;
    if (!kept) throw new Error('no head kept');

    // The server rewrites Jordan's own first entry (to read what is sealed to him) and re-signs every head.
    await rewriteLogAsServer(haven, await seqOfFirstLeaf(jordan.userId), fakeKeyFor(jordan.userId));
    // Morgan, on a fresh device, sees only the rewritten log, and seals its head into his envelope.
    const fresh = morgan.anotherDevice();
    expect(await fresh.checkKeysOf(morgan.userId)).toMatchObject({ ok: true });
    expect(fresh.keptHead?.treeSize).toBe(kept.treeSize);
    expect(fresh.keptHead?.rootHash).not.toBe(kept.rootHash);
    await fresh.connect();
    await jordan.connect();
    const envelope = fresh.sealV2(thread, [jordan], 'The visit is at 3pm.');
    expect(await fresh.send(envelope)).toMatchObject({ ok: true });
    fresh.disconnect();

    await vi.waitFor(() => expect(jordan.received).toHaveLength(1), { timeout: 10_000 });
    const message = jordan.received[0];
    // The message itself is genuine (Morgan signed it); the head inside it shows the fork.
    expect(jordan.open(listing(message), morgan)).toBe('The visit is at 3pm.');
    const theirs = (message?.envelope?.['header'] as EnvelopeHeaderV2 | undefined)?.keyLogHead;
    if (!theirs) throw new Error('no head in the envelope');
    const { comparison, reportStatus } = await jordan.compareHead(theirs);
    expect(comparison).toEqual({ result: 'fork', heads: [kept, theirs] });
    expect(reportStatus).toBe(201);

    const reports = await forkReports();
    expect(reports.at(-1)?.heads).toEqual([kept, theirs]);
    const notices = await sam.api.get<{ notices: { kind: string }[] }>('/api/notices');
    expect(notices.body.notices.map((n) => n.kind)).toContain('integrity_report');
  });

  it('a larger head that does not extend the kept one: the server’s own answer gives it away', async () => {
    const kept = jordan.keptHead;
    if (!kept) throw new Error('no head kept');
    // The rewritten log grows by one more (correctly logged) leaf; a fresh device of Morgan's keeps that head.
    await logAsServer(haven, fakeKeyFor(morgan.userId));
    const fresh = morgan.anotherDevice();
    await fresh.checkKeysOf(morgan.userId);
    const theirs = fresh.keptHead;
    if (!theirs) throw new Error('no head kept');
    expect(theirs.treeSize).toBe(kept.treeSize + 1);
    const { comparison, reportStatus } = await jordan.compareHead(theirs);
    expect(comparison.result).toBe('fork');
    expect(reportStatus).toBe(201);
  });

  it('an honest log grown by one more leaf is consistent, and the newer head is the one to keep', async () => {
    // A fresh installation's view, never rewritten: Morgan's device kept a head, then the log grew.
    const honest = await startTestHaven({ seedDemo: true });
    try {
      const h = new People(() => honest);
      const a = new Practitioner(await h.as('Jordan'));
      const b = new Practitioner(await h.as('Morgan'));
      await a.publishKeys();
      await a.checkKeysOf(a.userId);
      const before = a.keptHead;
      await b.publishKeys();
      await b.checkKeysOf(b.userId);
      if (!before || !b.keptHead) throw new Error('no heads');
      const { comparison } = await a.compareHead(b.keptHead);
      expect(comparison).toEqual({ result: 'consistent', newer: b.keptHead });
    } finally {
      await honest.close();
    }
  });
});

describe('fork reports: evidence, not anyone’s say-so', () => {
  it('refuses heads not signed by the log key, and heads that agree with the stored log', async () => {
    const current = (await jordan.api.get<{ head: SignedTreeHead }>('/api/key-log/head')).body.head;
    const forged = { ...current, rootHash: 'ab'.repeat(32) };
    const unsigned = await jordan.api.post<{ error: { code: string } }>('/api/integrity-reports', { kind: 'key_log_fork', heads: [current, forged] });
    expect(unsigned.status).toBe(400);
    expect(unsigned.body.error.code).toBe('heads_not_signed');
    const older = (await jordan.api.get<{ from: SignedTreeHead }>(`/api/key-log/consistency?from=1&to=${current.treeSize}`)).body.from;
    const consistent = await jordan.api.post<{ error: { code: string } }>('/api/integrity-reports', { kind: 'key_log_fork', heads: [older, current] });
    expect(consistent.status).toBe(409);
    expect(consistent.body.error.code).toBe('heads_consistent');
    const malformed = await jordan.api.post<{ error: { code: string } }>('/api/integrity-reports', { kind: 'key_log_fork', heads: [current] });
    expect(malformed.status).toBe(400);
  });

  it('is refused without a session, and to a suspended user', async () => {
    const current = (await jordan.api.get<{ head: SignedTreeHead }>('/api/key-log/head')).body.head;
    const body = { kind: 'key_log_fork', heads: [current, current] };
    expect((await new ApiClient(haven.url).post('/api/integrity-reports', body)).status).toBe(401);
    expect((await sam.api.post(`/api/users/${morgan.userId}/suspend`, { reason: 'Fork report test' })).status).toBe(200);
    const suspended = new ApiClient(haven.url);
    expect((await suspended.signIn(haven.account('Morgan'))).status).toBe(200);
    const res = await suspended.post<{ error: { code: string } }>('/api/integrity-reports', body);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('suspended');
  });
});
