import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ready } from '../../crypto';
import { verifyAuditChain } from '../../server/audit';
import { ageChild, bornYearsAgo } from '../support/aged-children';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, welfareRecord } from '../support/practitioner';

let haven: TestHaven;
const people = new People(() => haven);
const cast: Record<'jordan' | 'morgan', Practitioner> = {} as never;
let agedId = '';
let youngId = '';
const PERSONAL = ['Oliver Quennell-Tamsin', '12 Larkspur Rise', 'NM9 8QQ', 'Harriet Quennell-Tamsin', '01632 960 777', 'Quennell'];

type ErrorBody = { error: { code: string } };
type Run = { runId: string; dryRun: boolean; children: { childId: string; counts: Record<string, number> }[] };

async function dumpOfEverything(): Promise<string> {
  const client = await rawClient(haven.database.url);
  try {
    const tables = (await client.query<{ tablename: string }>(`select tablename from pg_tables where schemaname = 'public'`)).rows;
    let dump = '';
    for (const { tablename } of tables)
      dump += (await client.query<{ t: string }>(`select coalesce(string_agg(t::text, ''), '') as t from "${tablename}" t`)).rows[0]?.t ?? '';
    return dump;
  } finally {
    await client.end();
  }
}

async function rowCount(table: string): Promise<number> {
  const client = await rawClient(haven.database.url);
  try {
    return (await client.query<{ n: number }>(`select count(*)::int as n from "${table}"`)).rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  for (const [key, name] of [
    ['jordan', 'Jordan'],
    ['morgan', 'Morgan'],
  ] as const) {
    cast[key] = new Practitioner(await people.as(name));
    await cast[key].publishKeys();
    await cast[key].connect();
  }
  // A young person, added at 18, whose 19th birthday was two days ago, with records of every kind.
  const created = await cast.jordan.api.post<{ child: { id: string } }>('/api/children', {
    name: 'Oliver Quennell-Tamsin',
    dateOfBirth: bornYearsAgo(18),
    gender: 'male',
    address: '12 Larkspur Rise, Northmoor',
    postcode: 'NM9 8QQ',
    parents: [{ name: 'Harriet Quennell-Tamsin', relationship: 'mother', contact: '01632 960 777' }],
    basis: 'involved',
  });
  agedId = created.body.child.id;
  await ageChild(haven.database.url, agedId, bornYearsAgo(19, 2));
  await cast.morgan.api.get('/api/children?name=Quennell');
  await cast.morgan.api.post(`/api/children/${agedId}/open`, { reason: 'Oliver Quennell-Tamsin reported missing' });
  await cast.morgan.api.post(`/api/children/${agedId}/concerns`, {});
  await cast.jordan.api.post(`/api/children/${agedId}/contacts`, { service: 'Quennell family refuge', contact: '01632 960 778' });
  await cast.jordan.api.post(`/api/children/${agedId}/verbal-shares`, {
    occurredAt: new Date(Date.now() - 3_600_000).toISOString(),
    tier: 'welfare',
    participants: [{ userId: cast.morgan.userId, needToKnowReason: 'Police welfare check at 12 Larkspur Rise' }],
    record: welfareRecord,
  });
  const thread = await cast.jordan.api.post<{ thread: { id: string; childId: string } }>(`/api/children/${agedId}/threads`, {
    participants: [{ userId: cast.morgan.userId, needToKnowReason: 'Police welfare check' }],
    record: welfareRecord,
  });
  expect(await cast.jordan.send(cast.jordan.seal(thread.body.thread, [cast.morgan], 'Oliver has turned up safe'))).toMatchObject({ ok: true });
  // A lead practitioner, appointed with a reason that names him: destroyed with the rest.
  const lead = await (
    await people.as('Priya')
  ).request('PUT', `/api/children/${agedId}/lead-practitioner`, {
    userId: cast.jordan.userId,
    reason: 'Lead for Oliver Quennell-Tamsin while he moves out of 12 Larkspur Rise',
  });
  expect(lead.status).toBe(201);
  youngId = (await cast.jordan.api.get<{ children: { id: string }[] }>('/api/children?name=Lily+Hartwell')).body.children[0]?.id ?? '';
});
afterAll(async () => {
  for (const p of Object.values(cast)) p.disconnect();
  await haven.close();
});

describe('retention', () => {
  it('shows the schedule per record class, each with its reason', async () => {
    const sam = await people.as('Sam');
    const { body } = await sam.get<{ schedule: { recordClass: string; reason: string }[] }>('/api/retention/schedule');
    expect(body.schedule.map((r) => r.recordClass)).toEqual(['index_entry', 'welfare_message', 'verbal_share_log', 'special_file', 'audit']);
    expect(body.schedule.every((r) => r.reason.length > 20)).toBe(true);
  });

  it('a dry run lists what would go and changes nothing', async () => {
    const sam = await people.as('Sam');
    const before = await Promise.all(['children', 'share_log', 'messages', 'audit_private'].map(rowCount));
    const dry = await sam.post<Run>('/api/retention/runs', { dryRun: true });
    expect(dry.status).toBe(201);
    expect(dry.body.children.map((c) => c.childId)).toEqual([agedId]);
    expect(dry.body.children[0]?.counts).toMatchObject({
      indexEntry: 1,
      shareLogEntries: 2,
      messages: 1,
      concerns: 1,
      specialistContacts: 1,
      leadPractitioners: 1,
    });
    expect(await Promise.all(['children', 'share_log', 'messages', 'audit_private'].map(rowCount))).toEqual(before);
  });

  it('a legal hold blocks destruction until it is released', async () => {
    const priya = await people.as('Priya');
    const sam = await people.as('Sam');
    expect((await priya.post(`/api/children/${agedId}/legal-hold`, { reason: 'Serious case review in progress' })).status).toBe(204);
    expect((await sam.post<Run>('/api/retention/runs', { dryRun: false })).body.children).toEqual([]);
    expect(await rowCount('children')).toBeGreaterThan(3);
    expect((await (await people.as('Jordan')).post<ErrorBody>(`/api/children/${agedId}/legal-hold/release`, { reason: 'I want it gone' })).status).toBe(403);
    expect((await priya.post(`/api/children/${agedId}/legal-hold/release`, { reason: 'Review concluded' })).status).toBe(204);
  });

  it('destroys everything about a child past 19, leaves a tombstone, tells clients, and a database dump holds none of their personal data', async () => {
    const purged = vi.fn();
    cast.morgan.socket?.on('retention:purged', purged);
    const before = await dumpOfEverything();
    for (const text of PERSONAL) expect(before, `${text} is there before`).toContain(text);

    const dry = await (await people.as('Sam')).post<Run>('/api/retention/runs', { dryRun: true });
    const run = await (await people.as('Sam')).post<Run>('/api/retention/runs', { dryRun: false });
    expect(run.body.children.map((c) => c.childId)).toEqual([agedId]);
    // What the deletes removed is exactly what the dry run counted, class by class.
    expect(run.body.children[0]?.counts).toEqual(dry.body.children[0]?.counts);
    expect(run.body.children[0]?.counts).toMatchObject({ wrappedKeyCopies: expect.any(Number), threadParticipants: expect.any(Number) });
    expect(Object.values(run.body.children[0]?.counts ?? {}).filter((n) => n > 0).length).toBeGreaterThanOrEqual(7);
    await vi.waitFor(() => expect(purged).toHaveBeenCalledWith({ childId: agedId, threadIds: [expect.any(String)] }));

    const after = await dumpOfEverything();
    for (const text of PERSONAL) expect(after, `${text} survived destruction`).not.toContain(text);
    expect(after).toContain(agedId); // the tombstone and the audit entries keep the bare identifier
    const client = await rawClient(haven.database.url);
    try {
      const tomb = (await client.query<{ counts: Record<string, number> }>('select counts from child_tombstones where child_id = $1', [agedId])).rows[0];
      expect(tomb?.counts).toEqual(run.body.children[0]?.counts);
      const audit = (await client.query<{ action: string }>(`select action from audit_entries where action like 'retention.%' order by seq`)).rows.map(
        (r) => r.action,
      );
      expect(audit).toContain('retention.child_destroyed');
    } finally {
      await client.end();
    }
    // Other children are untouched, and the audit chain still verifies.
    expect((await cast.jordan.api.post(`/api/children/${youngId}/open`, { reason: 'Still here' })).status).toBe(200);
    expect((await verifyAuditChain(haven.database.handle.db)).ok).toBe(true);
  });

  it('is idempotent: a second run finds nothing more to destroy', async () => {
    expect((await (await people.as('Sam')).post<Run>('/api/retention/runs', { dryRun: false })).body.children).toEqual([]);
  });

  it('only a system admin runs retention', async () => {
    expect((await (await people.as('Priya')).post<ErrorBody>('/api/retention/runs', { dryRun: true })).body.error.code).toBe('not_system_admin');
  });
});
