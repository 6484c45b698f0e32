import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Url, generateIdentity, ready, sealNote, type IdentityKeys } from '../../crypto';
import { auditActionLabel } from '../../server/audit/action-labels';
import { ApiClient } from '../support/client';
import { rawClient } from '../support/database';
import { TestClock, startTestHaven, type TestHaven } from '../support/haven';
import { publishKeys } from '../support/keys';
import { People } from '../support/people';
import { offendingRiskRecord, welfareRecord } from '../support/practitioner';
import { totpCode } from '../support/totp';

// Lead practitioners (issue 18): an agency admin appoints one of their own staff as lead for a
// child their agency serves; the lead — and nobody else — sees every agency's share entries about
// the child, within need-to-know; everyone keeps their own chronology.
const clock = new TestClock();
let haven: TestHaven;
const people = new People(() => haven, clock.now);
const ids = { lily: '', amara: '', jordan: '', ruth: '', morgan: '', alex: '', taylor: '', priya: '', council: '', police: '' };
const keys: Record<string, IdentityKeys> = {};
/** Staff this test adds: a police admin, and a second council admin who is then suspended. */
const staff: Record<'dana' | 'rowan', { client: ApiClient; id: string; email: string; secret: string }> = {} as never;
const PASSWORD = 'a long enough password for tests';

type ErrorBody = { error: { code: string; message: string; issues?: { path: string; message: string }[] } };
type Lead = { id: string; user: { id: string; name: string }; agency: { id: string; name: string }; reason: string; agencyInvolved: boolean };
type Entry = {
  id: string;
  kind: string;
  tier: string;
  sender: { id: string; name: string; agencyName: string };
  participants: { user: { id: string; name: string } | null; externalName: string | null; agencyName: string }[];
  record: Record<string, unknown> & { purpose?: string; consent?: { status: string }; legalGateway?: string };
  summary: unknown;
  readerIsParty: boolean;
  hasSummary: boolean;
};
type AuditEntry = { action: string; actor: { name: string } | null; subjectId: string | null; detail: Record<string, unknown> };

const lead = (childId: string) => `/api/children/${childId}/lead-practitioner`;
const allAgencies = (childId: string) => `/api/children/${childId}/chronology/all-agencies`;
const appoint = (admin: ApiClient, childId: string, userId: string, reason = 'Coordinates the team around the child') =>
  admin.request<{ lead: Lead } & ErrorBody>('PUT', lead(childId), { userId, reason });
const errorCode = (res: { body: unknown }) => (res.body as ErrorBody).error.code;

/** Someone who registers into an agency, enrols two-factor sign-in and is verified by Sam in `role`. */
async function addStaff(agencyName: string, name: string, email: string, role: string) {
  const client = new ApiClient(haven.url);
  const directory = await client.get<{ agencies: { id: string; name: string }[] }>('/api/agencies/directory');
  const agencyId = directory.body.agencies.find((a) => a.name === agencyName)?.id;
  expect((await client.post('/api/auth/register', { email, name, password: PASSWORD, agencyId })).status).toBe(201);
  await client.post('/api/auth/sign-in', { email, password: PASSWORD });
  const start = await client.post<{ secret: string }>('/api/auth/enrolment/start');
  const done = await client.post<{ session: { user: { id: string } } }>('/api/auth/enrolment/confirm', { code: totpCode(start.body.secret, clock.now()) });
  expect(done.status).toBe(200);
  const today = clock.now().toISOString().slice(0, 10);
  const verified = await (
    await people.as('Sam')
  ).post(`/api/users/${done.body.session.user.id}/verify`, {
    role,
    identityCheckedBy: 'Sam Okafor',
    identityCheckedOn: today,
    vettingCheckedOn: today,
    trainingCompletedOn: today,
  });
  expect(verified.status).toBe(200);
  return { client, id: done.body.session.user.id, email, secret: start.body.secret };
}

async function audit(action: string, subjectId: string): Promise<AuditEntry[]> {
  const res = await (await people.as('Sam')).get<{ entries: AuditEntry[] }>(`/api/audit?action=${action}&subjectId=${subjectId}`);
  expect(res.status).toBe(200);
  return res.body.entries;
}

const verbal = (participants: unknown[], over: Record<string, unknown> = {}) => ({
  occurredAt: new Date(clock.now().getTime() - 3_600_000).toISOString(),
  tier: 'welfare',
  participants,
  record: welfareRecord,
  ...over,
});

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true, clock: clock.now });
  const sam = await people.as('Sam');
  const users = (await sam.get<{ users: { id: string; name: string }[] }>('/api/users')).body.users;
  const byName = (name: string) => users.find((u) => u.name === name)?.id ?? '';
  Object.assign(ids, {
    jordan: byName('Jordan Ellis'),
    ruth: byName('Ruth Adeyemi'),
    morgan: byName('Morgan Reid'),
    alex: byName('Alex Carter'),
    taylor: byName('Taylor Brooks'),
    priya: byName('Priya Natarajan'),
  });
  const agencies = (await sam.get<{ agencies: { id: string; name: string }[] }>('/api/agencies')).body.agencies;
  ids.council = agencies.find((a) => a.name.startsWith('Northmoor County Council'))?.id ?? '';
  ids.police = agencies.find((a) => a.name === 'Northmoor Constabulary')?.id ?? '';
  const jordan = await people.as('Jordan');
  const find = async (name: string) =>
    (await jordan.get<{ children: { id: string }[] }>(`/api/children?name=${encodeURIComponent(name)}`)).body.children[0]?.id ?? '';
  ids.lily = await find('Lily Hartwell');
  ids.amara = await find('Amara Osei');
  staff.dana = await addStaff('Northmoor Constabulary', 'Dana Whitcombe', 'dana.whitcombe@police.northmoor.example', 'agency_admin');
  staff.rowan = await addStaff("Northmoor County Council Children's Services", 'Rowan Ashby', 'rowan.ashby@childrens.northmoor.example', 'agency_admin');
  for (const name of ['Morgan', 'Alex']) {
    keys[name] = generateIdentity();
    expect((await publishKeys(await people.as(name), keys[name])).status).toBe(201);
  }

  // Lily's share log, from both agencies (the demo adds Alex telling Ruth about a call-out).
  expect((await jordan.post(`/api/children/${ids.lily}/verbal-shares`, verbal([{ userId: ids.morgan, needToKnowReason: 'Joint visit' }]))).status).toBe(201);
  expect(
    (
      await jordan.post(`/api/children/${ids.lily}/threads`, {
        participants: [{ userId: ids.morgan, needToKnowReason: 'Planning the joint visit' }],
        record: welfareRecord,
      })
    ).status,
  ).toBe(201);
  const morgan = await people.as('Morgan');
  // A police-only share with a sealed summary and a person whose identity is protected: Jordan took no part.
  const shareId = randomUUID();
  const readers = (await morgan.get<{ keys: { userId: string; boxPublicKey: string }[] }>(`/api/keys?userIds=${ids.morgan},${ids.alex}`)).body.keys;
  const summary = sealNote(
    'Neighbour reports shouting at night',
    { shareId, childId: ids.lily, senderId: ids.morgan },
    readers.map((r) => ({ userId: r.userId, boxPublicKey: fromBase64Url(r.boxPublicKey) })),
    { userId: ids.morgan, signPrivateKey: keys.Morgan?.signPrivateKey ?? new Uint8Array() },
  );
  const police = await morgan.post(
    `/api/children/${ids.lily}/verbal-shares`,
    verbal(
      [
        { userId: ids.alex, needToKnowReason: 'Police safeguarding lead for the area' },
        { externalName: 'Wren Halloway', agencyId: ids.police, needToKnowReason: 'Neighbour who called it in', protectIdentity: true },
      ],
      { id: shareId, summary },
    ),
  );
  expect(police.status).toBe(201);
  const decision = await (
    await people.as('Alex')
  ).post<{ entry: { id: string } }>(`/api/children/${ids.lily}/decisions`, {
    occurredAt: new Date(clock.now().getTime() - 1_800_000).toISOString(),
    tier: 'welfare',
    decision: {
      reason: 'The request asked for more than the school needed to know',
      purpose: 'Help the school plan pastoral support',
      kindsOfInformation: ['family_and_household'],
      wasRequest: true,
      consentStatus: 'not_sought',
    },
  });
  expect(decision.status).toBe(201);
  expect((await morgan.post(`/api/shares/${decision.body.entry.id}/reopen`, { reason: 'The school narrowed its request' })).status).toBe(201);
}, 120_000);
afterAll(() => haven.close());

describe('appointing a lead practitioner', () => {
  it('an admin of an involved agency appoints a verified practitioner of their own agency, with a reason; the record names the lead; it is audited in words', async () => {
    const priya = await people.as('Priya');
    const before = await priya.get<{ lead: Lead | null; candidates: { id: string; name: string }[] }>(lead(ids.lily));
    expect(before.status).toBe(200);
    expect(before.body.lead).toBeNull();
    // Verified casework staff of Priya's own agency only: not Taylor (unverified), not an admin, not the police.
    expect(before.body.candidates.map((c) => c.name).sort()).toEqual(['Jordan Ellis', 'Ruth Adeyemi']);

    const res = await appoint(priya, ids.lily, ids.jordan, 'Lead for the child in need plan');
    expect(res.status).toBe(201);
    expect(res.body.lead).toMatchObject({
      user: { id: ids.jordan, name: 'Jordan Ellis' },
      agency: { id: ids.council },
      reason: 'Lead for the child in need plan',
      agencyInvolved: true,
    });
    const record = await (
      await people.as('Morgan')
    ).post<{ child: { leadPractitioner: unknown } }>(`/api/children/${ids.lily}/open`, { reason: 'Checking who leads' });
    expect(record.body.child.leadPractitioner).toMatchObject({
      user: { name: 'Jordan Ellis' },
      agency: { name: "Northmoor County Council Children's Services" },
    });

    const [entry] = await audit('lead_practitioner.appointed', ids.lily);
    expect(entry).toMatchObject({ actor: { name: 'Priya Natarajan' }, subjectId: ids.lily, detail: { leadId: ids.jordan, appointmentId: res.body.lead.id } });
    expect(auditActionLabel(entry?.action ?? '')).toBe('Appointed a lead practitioner for a child');
    expect((await audit('child.lead_practitioner_viewed', ids.lily)).length).toBeGreaterThan(0);
  });

  it('refuses bad input, naming each field', async () => {
    const res = await (await people.as('Priya')).request<ErrorBody>('PUT', lead(ids.lily), { userId: 'not-an-id', reason: 'no' });
    expect(res.status).toBe(400);
    expect(res.body.error.issues?.map((i) => i.path).sort()).toEqual(['reason', 'userId']);
  });

  it('refuses every other caller: practitioner, designated officer, system admin, unverified, suspended, another agency, an agency not involved', async () => {
    const refusals: [string, ApiClient, string, string][] = [
      ['practitioner', await people.as('Jordan'), ids.lily, 'not_agency_admin'],
      ['designated officer', await people.as('Ruth'), ids.lily, 'not_agency_admin'],
      ['system admin', await people.as('Sam'), ids.lily, 'not_agency_admin'],
      // Dana's agency (the police) does not serve Lily.
      ['admin of an agency not involved', staff.dana.client, ids.lily, 'not_involved'],
    ];
    const taylor = new ApiClient(haven.url);
    await taylor.post('/api/auth/sign-in', { email: haven.account('Taylor').email, password: haven.account('Taylor').password });
    const start = await taylor.post<{ secret: string }>('/api/auth/enrolment/start');
    await taylor.post('/api/auth/enrolment/confirm', { code: totpCode(start.body.secret, clock.now()) });
    refusals.push(['unverified', taylor, ids.lily, 'not_verified']);
    for (const [who, client, childId, expected] of refusals) {
      // Ending turns on the appointing agency rather than involvement: another agency's admin is told so.
      const endExpected = expected === 'not_involved' ? 'other_agency' : expected;
      for (const [res, code] of [
        [await appoint(client, childId, ids.ruth), expected],
        [await client.get(lead(childId)), expected],
        [await client.post(`${lead(childId)}/end`, { reason: 'Refusal check' }), endExpected],
      ] as const) {
        expect(res.status, who).toBe(403);
        expect(errorCode(res), who).toBe(code);
      }
    }
    // An agency admin appoints only their own verified casework staff.
    const priya = await people.as('Priya');
    expect(errorCode(await appoint(priya, ids.lily, ids.morgan))).toBe('other_agency');
    expect(errorCode(await appoint(priya, ids.lily, ids.taylor))).toBe('candidate_not_verified');
    expect(errorCode(await appoint(priya, ids.lily, ids.priya))).toBe('not_a_practitioner');
    const nobody = await appoint(priya, ids.lily, randomUUID());
    expect([nobody.status, errorCode(nobody)]).toEqual([404, 'user_not_found']);
    // The police serve Amara, but Dana cannot appoint a council practitioner.
    expect((await (await people.as('Morgan')).post(`/api/children/${ids.amara}/involvement`, {})).status).toBe(200);
    expect(errorCode(await appoint(staff.dana.client, ids.amara, ids.jordan))).toBe('other_agency');

    // A suspended admin: Sam suspends Rowan, who signs in again and is refused.
    expect((await (await people.as('Sam')).post(`/api/users/${staff.rowan.id}/suspend`, { reason: 'Lead practitioner test' })).status).toBe(200);
    clock.advanceSeconds(31);
    const rowan = new ApiClient(haven.url);
    expect((await rowan.signIn({ email: staff.rowan.email, password: PASSWORD, totpSecret: staff.rowan.secret }, clock.now())).status).toBe(200);
    const suspended = await appoint(rowan, ids.lily, ids.ruth);
    expect([suspended.status, errorCode(suspended)]).toEqual([403, 'suspended']);
    // None of it changed who leads for Lily.
    expect((await priya.get<{ lead: Lead }>(lead(ids.lily))).body.lead.user.name).toBe('Jordan Ellis');
  });

  it('one lead per child: re-appointing the lead is a conflict; the same agency replaces its lead; another agency’s lead stands (409 lead_exists)', async () => {
    const priya = await people.as('Priya');
    const again = await appoint(priya, ids.lily, ids.jordan);
    expect([again.status, errorCode(again)]).toEqual([409, 'already_lead']);
    // Priya replaces her own agency's lead: the old appointment ends in the same step, and its holder loses the view.
    const replaced = await appoint(priya, ids.lily, ids.ruth, 'Ruth covers while Jordan is on leave');
    expect(replaced.status).toBe(201);
    expect((await audit('lead_practitioner.ended', ids.lily))[0]).toMatchObject({
      actor: { name: 'Priya Natarajan' },
      detail: { leadId: ids.jordan, replaced: true },
    });
    expect(errorCode(await (await people.as('Jordan')).get(allAgencies(ids.lily)))).toBe('lead_ended');
    expect((await appoint(priya, ids.lily, ids.jordan, 'Jordan is back from leave')).status).toBe(201);
    expect(errorCode(await (await people.as('Ruth')).get(allAgencies(ids.lily)))).toBe('lead_ended');

    const dana = staff.dana.client;
    expect((await appoint(dana, ids.amara, ids.morgan, 'Police lead while the investigation runs')).status).toBe(201);
    const taken = await appoint(priya, ids.amara, ids.jordan);
    expect(taken.status).toBe(409);
    expect((taken.body as ErrorBody).error).toMatchObject({ code: 'lead_exists', message: expect.stringMatching(/Morgan Reid of Northmoor Constabulary/) });
    // Nor may Priya end the police's appointment.
    expect(errorCode(await priya.post(`${lead(ids.amara)}/end`, { reason: 'Trying' }))).toBe('other_agency');
    expect((await priya.get<{ lead: Lead }>(lead(ids.amara))).body.lead.user.name).toBe('Morgan Reid');
  });

  it('eight identical appointments at once make exactly one', async () => {
    const jordan = await people.as('Jordan');
    const created = await jordan.post<{ child: { id: string } }>('/api/children', {
      name: 'Ellis Brantwood',
      dateOfBirth: '2019-04-11',
      gender: 'male',
      address: '7 Copse Row, Northmoor',
      postcode: 'NM2 5RT',
      basis: 'involved',
    });
    expect(created.status).toBe(201);
    const childId = created.body.child.id;
    const priya = await people.as('Priya');
    const results = await Promise.all(Array.from({ length: 8 }, () => appoint(priya, childId, ids.jordan, 'Raced appointment')));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    for (const r of results.filter((r) => r.status === 409)) expect(['lead_changed', 'already_lead']).toContain(errorCode(r));
    const db = await rawClient(haven.database.url);
    try {
      const rows = await db.query<{ n: number }>('select count(*)::int as n from lead_practitioners where child_id = $1', [childId]);
      expect(rows.rows[0]?.n).toBe(1);
      // Appointments are ended, never edited or deleted.
      await expect(db.query('delete from lead_practitioners where child_id = $1', [childId])).rejects.toThrow(/cannot be deleted/);
      await expect(db.query(`update lead_practitioners set reason = 'rewritten' where child_id = $1`, [childId])).rejects.toThrow(/only ever ended/);
    } finally {
      await db.end();
    }
    expect(await audit('lead_practitioner.appointed', childId)).toHaveLength(1);
  });
});

describe('the multi-agency chronology', () => {
  it('shows the lead every agency’s entries with sender, agency, time and the share record; summaries only to their parties; protected people unnamed; audited', async () => {
    const jordan = await people.as('Jordan');
    const res = await jordan.get<{ entries: Entry[] }>(allAgencies(ids.lily));
    expect(res.status).toBe(200);
    const entries = res.body.entries;
    expect(entries.map((e) => e.kind).sort()).toEqual(['decision_not_to_share', 'decision_reopened', 'thread_started', 'verbal', 'verbal', 'verbal']);
    const agencies = new Set(entries.map((e) => e.sender.agencyName));
    expect(agencies).toEqual(new Set(["Northmoor County Council Children's Services", 'Northmoor Constabulary']));
    // The demo's police share with Ruth, as the signed share record gives it.
    const demo = entries.find((e) => e.sender.name === 'Alex Carter' && e.participants.some((p) => p.user?.name === 'Ruth Adeyemi'));
    expect(demo).toMatchObject({
      readerIsParty: false,
      sender: { agencyName: 'Northmoor Constabulary' },
      record: {
        purpose: 'Tell children’s services about a police call-out to the family home',
        consent: { status: 'not_sought' },
        legalGateway: 'children_act_2004_s11',
      },
    });
    const sealed = entries.find((e) => e.hasSummary);
    expect(sealed).toMatchObject({ readerIsParty: false, summary: null, sender: { name: 'Morgan Reid' } });
    expect(sealed?.participants.map((p) => p.externalName ?? p.user?.name).sort()).toEqual(['Alex Carter', 'Identity protected']);
    expect(JSON.stringify(entries)).not.toContain('Wren Halloway');
    const own = entries.filter((e) => e.readerIsParty);
    expect(own.map((e) => e.sender.name)).toEqual(['Jordan Ellis', 'Jordan Ellis']);

    const [viewed] = await audit('child.multi_agency_chronology_viewed', ids.lily);
    expect(viewed).toMatchObject({ actor: { name: 'Jordan Ellis' }, detail: { returned: entries.map((e) => e.id) } });
    expect(auditActionLabel(viewed?.action ?? '')).toMatch(/across every agency/);
  });

  it('leaves everyone’s own chronology as it was, and refuses anyone who is not the lead', async () => {
    const own = await (await people.as('Jordan')).get<{ entries: Entry[] }>(`/api/children/${ids.lily}/chronology`);
    expect(own.body.entries.map((e) => e.sender.name)).toEqual(['Jordan Ellis', 'Jordan Ellis']);
    for (const name of ['Morgan', 'Alex', 'Priya', 'Sam']) {
      const client = await people.as(name);
      const res = await client.get<ErrorBody>(allAgencies(ids.lily));
      expect([res.status, res.body.error.code], name).toEqual([403, 'not_lead_practitioner']);
    }
    const morgan = await (await people.as('Morgan')).get<{ entries: Entry[] }>(`/api/children/${ids.lily}/chronology`);
    expect(morgan.body.entries.every((e) => e.sender.name === 'Morgan Reid' || e.participants.some((p) => p.user?.name === 'Morgan Reid'))).toBe(true);
  });

  it('leaves out offending-risk entries unless the lead is a designated officer on the case', async () => {
    // Amara: a welfare share, then Ruth marks her, adds Alex to the case and shares in an emergency.
    const morgan = await people.as('Morgan');
    expect((await morgan.post(`/api/children/${ids.amara}/verbal-shares`, verbal([{ userId: ids.jordan }]))).status).toBe(201);
    const ruth = await people.as('Ruth');
    expect((await ruth.post(`/api/children/${ids.amara}/offending-risk`, { reason: 'Referral from the youth offending panel' })).status).toBe(200);
    const crime = { ...offendingRiskRecord, legalGateway: 'crime_and_disorder_act_1998_s115' };
    expect((await ruth.post(`/api/children/${ids.amara}/case-officers`, { userId: ids.alex, record: crime })).status).toBe(200);
    const emergency = await ruth.post(`/api/children/${ids.amara}/verbal-shares`, {
      ...verbal([{ userId: ids.alex }], { tier: 'offending_risk', emergency: true, record: crime }),
    });
    expect(emergency.status).toBe(201);

    // Morgan (police practitioner) leads for Amara: the welfare entries, none of the offending-risk ones.
    const asMorgan = await morgan.get<{ entries: Entry[] }>(allAgencies(ids.amara));
    expect(asMorgan.status).toBe(200);
    expect(asMorgan.body.entries.map((e) => e.tier)).toEqual(['welfare']);
    const db = await rawClient(haven.database.url);
    try {
      const tiers = await db.query<{ tier: string }>(`select tier from share_log where child_id = $1 and tier = 'offending_risk'`, [ids.amara]);
      expect(tiers.rows.length).toBeGreaterThanOrEqual(1);
    } finally {
      await db.end();
    }

    // Dana ends Morgan's appointment; Priya appoints Ruth, who is on the case, and sees them.
    expect((await staff.dana.client.post(`${lead(ids.amara)}/end`, { reason: 'Investigation closed' })).status).toBe(200);
    const ended = await morgan.get<ErrorBody>(allAgencies(ids.amara));
    expect([ended.status, ended.body.error.code]).toEqual([403, 'lead_ended']);
    expect((await audit('lead_practitioner.ended', ids.amara))[0]).toMatchObject({ actor: { name: 'Dana Whitcombe' }, detail: { leadId: ids.morgan } });
    expect((await appoint(await people.as('Priya'), ids.amara, ids.ruth, 'Designated officer leads while she is at risk of offending')).status).toBe(201);
    const asRuth = await ruth.get<{ entries: Entry[] }>(allAgencies(ids.amara));
    expect(asRuth.body.entries.map((e) => e.tier)).toContain('offending_risk');
    expect(asRuth.body.entries.map((e) => e.tier)).toContain('welfare');
  });

  it('ends the lead appointment of an agency that stops serving the child; another serving agency may then appoint its own', async () => {
    const jordan = await people.as('Jordan');
    expect((await jordan.post(`/api/children/${ids.amara}/involvement/end`, {})).status).toBe(200);
    const ruth = await people.as('Ruth');
    const res = await ruth.get<ErrorBody>(allAgencies(ids.amara));
    expect([res.status, res.body.error.code]).toEqual([403, 'lead_ended']);
    expect((await staff.dana.client.get<{ lead: Lead | null }>(lead(ids.amara))).body.lead).toBeNull();
    const [ended] = await audit('lead_practitioner.ended', ids.amara);
    expect(ended).toMatchObject({ actor: { name: 'Jordan Ellis' }, detail: { leadId: ids.ruth, involvementEnded: true } });
    // The police's lead is not theirs to end: only the agency's own appointment goes with its involvement.
    expect((await appoint(staff.dana.client, ids.amara, ids.morgan, 'Police lead now the council has closed its case')).status).toBe(201);
    expect((await jordan.post(`/api/children/${ids.amara}/involvement`, {})).status).toBe(200);
    expect((await jordan.post(`/api/children/${ids.amara}/involvement/end`, {})).status).toBe(200);
    expect((await (await people.as('Morgan')).get(allAgencies(ids.amara))).status).toBe(200);
    expect((await staff.dana.client.get<{ lead: Lead }>(lead(ids.amara))).body.lead).toMatchObject({ user: { name: 'Morgan Reid' }, agencyInvolved: true });
    // Recording the council as involved again does not bring Ruth's appointment back.
    expect((await ruth.get<ErrorBody>(allAgencies(ids.amara))).body.error.code).toBe('lead_ended');
  });

  it('refuses a lead who has been suspended', async () => {
    expect((await (await people.as('Sam')).post(`/api/users/${ids.jordan}/suspend`, { reason: 'Lead practitioner test' })).status).toBe(200);
    clock.advanceSeconds(31);
    const jordan = new ApiClient(haven.url);
    expect((await jordan.signIn(haven.account('Jordan'), clock.now())).status).toBe(200);
    const res = await jordan.get<ErrorBody>(allAgencies(ids.lily));
    expect([res.status, res.body.error.code]).toEqual([403, 'suspended']);
  });
});

describe('Home: the children one leads', () => {
  it('lists them for the lead, named, and audits the names shown', async () => {
    const morgan = await people.as('Morgan');
    const res = await morgan.get<{ children: { id: string; name: string }[] }>('/api/children/led-by-me');
    expect(res.status).toBe(200);
    expect(res.body.children.map((c) => c.name)).toEqual(['Amara Osei']);
    const refused = await (await people.as('Priya')).get<ErrorBody>('/api/children/led-by-me');
    expect([refused.status, refused.body.error.code]).toEqual([403, 'not_casework_role']);
    const entries = await (await people.as('Sam')).get<{ entries: AuditEntry[] }>('/api/audit?action=child.names_listed');
    expect(entries.body.entries[0]).toMatchObject({ actor: { name: 'Morgan Reid' }, detail: { where: 'home', returned: [ids.amara] } });
  });
});
