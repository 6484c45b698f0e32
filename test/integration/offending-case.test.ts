import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import type { ApiClient } from '../support/client';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, welfareRecord } from '../support/practitioner';

// The offending-risk case belongs to the designated officers on it. An officer who is not on it
// must not be able to take it over (unmark, mark again and so join the special file), and only
// the explicit, audited admin route removes a mark without them.
let haven: TestHaven;
const people = new People(() => haven);
const ids = { callum: '', lily: '', amara: '', ruth: '', alex: '' };
let ruth: ApiClient;
let alex: ApiClient;
let ruthP: Practitioner;
let alexP: Practitioner;

type ErrorBody = { error: { code: string; message: string } };
const offendingRecord = {
  ...welfareRecord,
  kindsOfInformation: ['offending_or_antisocial_behaviour'],
  schedule1Condition: 'preventing_or_detecting_unlawful_acts',
  legalGateway: 'crime_and_disorder_act_1998_s115',
};

async function childId(name: string): Promise<string> {
  return (await ruth.get<{ children: { id: string }[] }>(`/api/children?name=${encodeURIComponent(name)}`)).body.children[0]?.id ?? '';
}

async function caseOf(child: string): Promise<{ marked: boolean; officers: string[] }> {
  const db = await rawClient(haven.database.url);
  try {
    const marked = await db.query<{ marked: boolean }>('select offending_risk_marked_at is not null as marked from children where id = $1', [child]);
    const officers = await db.query<{ user_id: string }>('select user_id from case_officers where child_id = $1 order by user_id', [child]);
    const participants = await db.query<{ user_id: string }>(
      `select p.user_id from thread_participants p join threads t on t.id = p.thread_id where t.child_id = $1 and t.tier = 'offending_risk' order by p.user_id`,
      [child],
    );
    // The special file's readers are exactly the officers on the case.
    expect(participants.rows.map((r) => r.user_id)).toEqual(officers.rows.map((r) => r.user_id));
    return { marked: marked.rows[0]?.marked ?? false, officers: officers.rows.map((r) => r.user_id) };
  } finally {
    await db.end();
  }
}

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  ruthP = new Practitioner(await people.as('Ruth'));
  alexP = new Practitioner(await people.as('Alex'));
  await Promise.all([ruthP.publishKeys(), alexP.publishKeys()]);
  ruth = ruthP.api;
  alex = alexP.api;
  ids.ruth = ruthP.userId;
  ids.alex = alexP.userId;
  ids.callum = await childId('Callum Byrne');
  ids.lily = await childId('Lily Hartwell');
  ids.amara = await childId('Amara Osei');
});
afterAll(() => haven?.close());

describe('an officer who is not on the case cannot take it over', () => {
  it('cannot unmark, cannot mark again after the case officers unmark, and so never joins the special file', async () => {
    expect((await ruth.post(`/api/children/${ids.callum}/offending-risk`, { reason: 'Referral from the youth offending panel' })).status).toBe(200);
    expect(await caseOf(ids.callum)).toEqual({ marked: true, officers: [ids.ruth] });

    const unmark = await alex.post<ErrorBody>(`/api/children/${ids.callum}/offending-risk/unmark`, { reason: 'Taking this over' });
    expect(unmark.status).toBe(403);
    expect(unmark.body.error.code).toBe('not_on_case');
    expect(unmark.body.error.message).toMatch(/Ask an officer on the case to add you/);
    expect(await caseOf(ids.callum)).toEqual({ marked: true, officers: [ids.ruth] });

    // The officer on the case removes the mark; the case and its file stay.
    expect((await ruth.post(`/api/children/${ids.callum}/offending-risk/unmark`, { reason: 'Panel closed the referral' })).status).toBe(200);
    const remark = await alex.post<ErrorBody>(`/api/children/${ids.callum}/offending-risk`, { reason: 'New concern' });
    expect(remark.status).toBe(403);
    expect(remark.body.error.code).toBe('not_on_case');
    expect(await caseOf(ids.callum)).toEqual({ marked: false, officers: [ids.ruth] });
    expect((await alex.get<ErrorBody>(`/api/children/${ids.callum}/special-file`)).body.error.code).toBe('not_on_case');

    // An officer on the case marks again without anyone joining; joining goes through them.
    expect((await ruth.post(`/api/children/${ids.callum}/offending-risk`, { reason: 'Fresh referral' })).status).toBe(200);
    expect(await caseOf(ids.callum)).toEqual({ marked: true, officers: [ids.ruth] });
  });

  it('cannot log an emergency verbal share that would oblige a written record in a file they cannot reach', async () => {
    const share = await alex.post<ErrorBody>(`/api/children/${ids.callum}/verbal-shares`, {
      occurredAt: new Date(Date.now() - 60_000).toISOString(),
      tier: 'offending_risk',
      emergency: true,
      participants: [{ userId: ids.ruth }],
      record: offendingRecord,
    });
    expect(share.status).toBe(403);
    expect(share.body.error.code).toBe('not_on_case');
  });

  it('a case officer whose verification has lapsed can read the file but neither unmark nor add anyone', async () => {
    expect((await ruth.post(`/api/children/${ids.callum}/case-officers`, { userId: ids.alex, record: offendingRecord })).status).toBe(200);
    const db = await rawClient(haven.database.url);
    try {
      await db.query(`update verifications set expires_on = '2020-01-01' where user_id = $1`, [ids.alex]);
    } finally {
      await db.end();
    }
    expect((await alex.get(`/api/children/${ids.callum}/special-file`)).status).toBe(200);
    const unmark = await alex.post<ErrorBody>(`/api/children/${ids.callum}/offending-risk/unmark`, { reason: 'Lapsed officer' });
    expect(unmark.status).toBe(403);
    expect((await caseOf(ids.callum)).marked).toBe(true);
  });
});

describe('races', () => {
  it('eight marks at once leave one marking and one officer; eight unmarks at once, one unmarking', async () => {
    const officers = [ruth, alex, ruth, alex, ruth, alex, ruth, alex];
    // Alex's verification lapsed above: renew it so both officers may share.
    const db = await rawClient(haven.database.url);
    try {
      await db.query(`update verifications set expires_on = '2099-01-01' where user_id = $1`, [ids.alex]);
    } finally {
      await db.end();
    }
    const marks = await Promise.all(officers.map((o) => o.post(`/api/children/${ids.lily}/offending-risk`, { reason: 'Race' })));
    expect(marks.filter((r) => r.status === 200)).toHaveLength(1);
    expect(
      marks.every((r) => [200, 403, 409].includes(r.status)),
      marks.map((r) => r.status).join(),
    ).toBe(true);
    const state = await caseOf(ids.lily);
    expect(state.marked).toBe(true);
    expect(state.officers).toHaveLength(1);
    const winner = state.officers[0] === ids.ruth ? ruth : alex;
    const unmarks = await Promise.all(Array.from({ length: 8 }, () => winner.post(`/api/children/${ids.lily}/offending-risk/unmark`, { reason: 'Race' })));
    expect(unmarks.filter((r) => r.status === 200)).toHaveLength(1);
    expect(unmarks.filter((r) => r.status === 409)).toHaveLength(7);
    expect(await caseOf(ids.lily)).toEqual({ marked: false, officers: state.officers });
  });
});

describe('the admin route, for when no officer on the case can act', () => {
  it('the marking agency’s admin removes the mark with a reason: audited, the officers told, no access to the file', async () => {
    expect((await ruth.post(`/api/children/${ids.amara}/offending-risk`, { reason: 'Referral' })).status).toBe(200);
    const jordan = await people.as('Jordan');
    const priya = await people.as('Priya');
    expect((await jordan.post(`/api/children/${ids.amara}/offending-risk/admin-unmark`, { reason: 'Not mine to do' })).status).toBe(403);
    expect((await alex.post(`/api/children/${ids.amara}/offending-risk/admin-unmark`, { reason: 'Not mine to do' })).status).toBe(403);
    expect((await priya.post<ErrorBody>(`/api/children/${ids.amara}/offending-risk/admin-unmark`, {})).status).toBe(400);
    const done = await priya.post(`/api/children/${ids.amara}/offending-risk/admin-unmark`, { reason: 'Both officers on the case have left the county' });
    expect(done.status).toBe(200);
    expect(await caseOf(ids.amara)).toEqual({ marked: false, officers: [ids.ruth] });
    expect((await priya.get(`/api/children/${ids.amara}/special-file`)).status).toBe(403);
    const notices = await ruth.get<{ notices: { kind: string; read: boolean }[] }>('/api/notices');
    expect(notices.body.notices).toContainEqual(expect.objectContaining({ kind: 'case_unmarked', read: false }));
    const audit = await (
      await people.as('Sam')
    ).get<{ entries: { actor: { name: string }; subjectId: string; detail: Record<string, unknown> }[] }>(
      '/api/audit?action=child.offending_risk_unmarked_by_admin',
    );
    expect(audit.body.entries).toEqual([
      expect.objectContaining({
        actor: expect.objectContaining({ name: 'Priya Natarajan' }),
        subjectId: ids.amara,
        detail: expect.objectContaining({ officersTold: 1 }),
      }),
    ]);
    // Already unmarked: a clear conflict, not a second notice.
    expect((await priya.post(`/api/children/${ids.amara}/offending-risk/admin-unmark`, { reason: 'Again' })).status).toBe(409);
  });
});

describe('no side doors into the case', () => {
  it('the special file is never joined as a conversation participant, even when an officer on the case asks', async () => {
    const file = await ruth.get<{ specialFileId: string }>(`/api/children/${ids.callum}/special-file`);
    expect(file.status).toBe(200);
    const jordanId = (await (await people.as('Jordan')).get<{ session: { user: { id: string } } }>('/api/session')).body.session.user.id;
    const before = await caseOf(ids.callum);
    const added = await ruth.post<ErrorBody>(`/api/threads/${file.body.specialFileId}/participants`, {
      userId: jordanId,
      needToKnowReason: 'Allocated social worker for the family',
      record: offendingRecord,
    });
    expect(added.status).toBe(403);
    expect(added.body.error.code).toBe('special_file_needs_case_officers');
    expect(await caseOf(ids.callum)).toEqual(before);
  });

  it('an obligation to file a written record is met only by a written record, not by a conversation message once the mark is gone', async () => {
    const share = await ruth.post(`/api/children/${ids.callum}/verbal-shares`, {
      occurredAt: new Date(Date.now() - 60_000).toISOString(),
      tier: 'offending_risk',
      emergency: true,
      participants: [{ userId: ids.alex }],
      record: offendingRecord,
    });
    expect(share.status).toBe(201);
    const [obligation] = (await ruth.get<{ obligations: { id: string }[] }>('/api/obligations/mine')).body.obligations;
    expect(obligation).toBeDefined();
    expect((await ruth.post(`/api/children/${ids.callum}/offending-risk/unmark`, { reason: 'Referral closed' })).status).toBe(200);
    const thread = await ruth.post<{ thread: { id: string; childId: string } }>(`/api/children/${ids.callum}/threads`, {
      participants: [{ userId: ids.alex, needToKnowReason: 'Officer who was told in the emergency' }],
      record: welfareRecord,
    });
    expect(thread.status).toBe(201);
    await ruthP.connect();
    try {
      const message = ruthP.seal(thread.body.thread, [alexP], 'Not a written record');
      const ack = await ruthP.socket?.timeout(10_000).emitWithAck('share:send', { envelope: message, dischargesObligationId: obligation?.id });
      expect(ack).toMatchObject({ ok: false, error: { code: 'written_record_required' } });
    } finally {
      ruthP.disconnect();
    }
    expect((await ruth.get<{ obligations: { id: string }[] }>('/api/obligations/mine')).body.obligations.map((o) => o.id)).toContain(obligation?.id);
  });
});
