import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anchorAuditHead } from '../../server/audit';
import { auditVerifyScript } from '../support/commands';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';

let haven: TestHaven;
const people = new People(() => haven);
let lilyId = '';
let morganId = '';

type Entry = { action: string; actor: { name: string } | null; agencyId: string | null; privateDetail: Record<string, unknown> | 'destroyed' | null };

beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true });
  const morgan = await people.as('Morgan');
  lilyId = (await morgan.get<{ children: { id: string }[] }>('/api/children?name=Lily')).body.children[0]?.id ?? '';
  morganId = (await morgan.get<{ session: { user: { id: string } } }>('/api/session')).body.session.user.id;
  await morgan.post(`/api/children/${lilyId}/open`, { reason: '=HYPERLINK("http://evil.example")' });
  await (await people.as('Jordan')).post(`/api/children/${lilyId}/open`, { reason: 'Planning the core group meeting' });
});
afterAll(() => haven.close());

describe('access reports', () => {
  it("answers who has accessed this child's information, with reasons, oldest first", async () => {
    const sam = await people.as('Sam');
    const { body } = await sam.get<{ entries: Entry[] }>(`/api/audit/reports/child/${lilyId}`);
    const opens = body.entries.filter((e) => e.action === 'child.opened');
    expect(opens.map((e) => [e.actor?.name, e.privateDetail])).toEqual([
      ['Morgan Reid', { reason: '=HYPERLINK("http://evil.example")' }],
      ['Jordan Ellis', { reason: 'Planning the core group meeting' }],
    ]);
    expect(body.entries.some((e) => e.action === 'child.searched' && e.actor?.name === 'Morgan Reid')).toBe(true);
  });

  it('exports CSV, with formula-like cells defused', async () => {
    const sam = await people.as('Sam');
    const res = await sam.request('GET', `/api/audit/reports/child/${lilyId}?format=csv`);
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    const text = res.body as unknown as string;
    const [header, ...rows] = text.split('\r\n');
    expect(header).toBe('time,who,agency id,what happened,action code,about,reason or terms,detail');
    // The action in words, then its code.
    expect(rows.some((row) => row.includes('child.opened') && /,[A-Z][a-z ’]+,child\.opened,/.test(row))).toBe(true);
    expect(text).toContain('Planning the core group meeting');
    expect(text).not.toMatch(/,=HYPERLINK/);
  });

  it('answers what a user has accessed; agency admins see their own agency only', async () => {
    const sam = await people.as('Sam');
    const mine = await sam.get<{ entries: Entry[] }>(`/api/audit/reports/user/${morganId}?from=2000-01-01`);
    expect(mine.body.entries.length).toBeGreaterThan(2);
    expect(mine.body.entries.every((e) => e.actor?.name === 'Morgan Reid')).toBe(true);
    const priya = await people.as('Priya');
    const scoped = await priya.get<{ entries: Entry[] }>(`/api/audit/reports/child/${lilyId}`);
    expect(scoped.body.entries.some((e) => e.actor?.name === 'Jordan Ellis')).toBe(true);
    expect(scoped.body.entries.some((e) => e.actor?.name === 'Morgan Reid')).toBe(false);
    expect((await (await people.as('Jordan')).get(`/api/audit/reports/child/${lilyId}`)).status).toBe(403);
  });
});

describe('audit anchors', () => {
  it('detects truncation after an anchor, in the API and in npm run audit:verify (database and file)', async () => {
    const anchorFile = path.join(mkdtempSync(path.join(tmpdir(), 'haven-anchors-')), 'anchors.jsonl');
    const head = await anchorAuditHead({
      db: haven.database.handle.db,
      config: { ...haven.ctx.config, HAVEN_AUDIT_ANCHOR_FILE: anchorFile },
      clock: () => new Date(),
    });
    expect(head).not.toBeNull();
    expect(readFileSync(anchorFile, 'utf8')).toContain(`"seq":${head?.seq}`);
    const sam = await people.as('Sam');
    expect((await sam.get<{ ok: boolean }>('/api/audit/verify')).body.ok).toBe(true);

    // An attacker removes the newest entries: the chain that is left is valid, but the anchor is not.
    const client = await rawClient(haven.database.url);
    try {
      await client.query('alter table audit_entries disable trigger user');
      await client.query('delete from audit_entries where seq >= $1', [(head?.seq ?? 0) - 1]);
      await client.query('alter table audit_entries enable trigger user');
    } finally {
      await client.end();
    }
    const report = await sam.get<{ ok: boolean; problem?: { kind: string; message: string } }>('/api/audit/verify');
    expect(report.body.ok).toBe(false);
    expect(report.body.problem).toMatchObject({ kind: 'truncated', message: expect.stringMatching(/truncated/) });

    // The file's anchor alone shows it too.
    const cli = await auditVerifyScript({ ...haven.env, HAVEN_AUDIT_ANCHOR_FILE: anchorFile });
    expect(cli.code).toBe(2);
    expect(cli.stdout).toMatch(/^Audit chain TRUNCATED: (Entry \d+ is|Entries \d+ to \d+ are) gone, but the signed anchor of .* \(the database\)/);
  });
});
