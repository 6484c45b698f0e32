import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/client';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { totpCode } from '../support/totp';

let haven: TestHaven;
const people = new People(() => haven);
const ids = { lily: '', callum: '', morgan: '', taylor: '', ruth: '', police: '', riverside: '' };
beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true });
  const sam = await people.as('Sam');
  const users = (await sam.get<{ users: { id: string; name: string }[] }>('/api/users')).body.users;
  const byName = (name: string) => users.find((u) => u.name === name)?.id ?? '';
  Object.assign(ids, { morgan: byName('Morgan Reid'), taylor: byName('Taylor Brooks'), ruth: byName('Ruth Adeyemi') });
  const agencies = (await sam.get<{ agencies: { id: string; name: string }[] }>('/api/agencies')).body.agencies;
  ids.police = agencies.find((a) => a.name === 'Northmoor Constabulary')?.id ?? '';
  ids.riverside = agencies.find((a) => a.name === 'Riverside Learning Trust')?.id ?? '';
  const jordan = await people.as('Jordan');
  const find = async (name: string) =>
    (await jordan.get<{ children: { id: string }[] }>(`/api/children?name=${encodeURIComponent(name)}`)).body.children[0]?.id ?? '';
  ids.lily = await find('Lily Hartwell');
  ids.callum = await find('Callum Byrne');
});
afterAll(() => haven.close());

type ErrorBody = { error: { code: string; message: string; issues?: { path: string; message: string }[] } };
type Entry = {
  id: string;
  kind: string;
  occurredAt: string;
  sender: { name: string };
  participants: { user: { name: string } | null; externalName: string | null; agencyName: string; needToKnowReason: string | null }[];
  record: Record<string, unknown>;
  corrects: { id: string; reason: string } | null;
  followedBy: { id: string; kind: string }[];
};

const notSoughtRecord = () => ({
  consent: { status: 'not_sought', exemption: 'risk_of_significant_harm', exemptionDetail: 'Asking the parent would alert the person we are worried about' },
  purpose: 'Agree immediate safety planning for the child',
  kindsOfInformation: ['safeguarding_concern', 'family_and_household'],
  article6Basis: 'public_task',
  specialCategory: false,
  legalGateway: 'children_act_1989_s47',
  necessityAndProportionality: 'Only the facts the officer needed for the joint visit were shared',
  childOrFamilyTold: { told: false, reason: 'Telling the family now could place the child at risk' },
});

const verbal = (participants: unknown[], over: Record<string, unknown> = {}) => ({
  occurredAt: new Date(Date.now() - 3_600_000).toISOString(),
  tier: 'welfare',
  participants,
  record: notSoughtRecord(),
  ...over,
});

describe('verbal-share log', () => {
  it('records a verbal share after the fact, with need-to-know for an agency not involved', async () => {
    const jordan = await people.as('Jordan');
    const missing = await jordan.post<ErrorBody>(`/api/children/${ids.lily}/verbal-shares`, verbal([{ userId: ids.morgan }]));
    expect(missing.status).toBe(403);
    expect(missing.body.error).toMatchObject({ code: 'need_to_know_missing', message: expect.stringMatching(/^Person 1: .*why they need to know/) });
    const ok = await jordan.post<{ entry: Entry }>(
      `/api/children/${ids.lily}/verbal-shares`,
      verbal([{ userId: ids.morgan, needToKnowReason: 'Attending the joint visit this afternoon' }]),
    );
    expect(ok.status).toBe(201);
    expect(ok.body.entry).toMatchObject({
      kind: 'verbal',
      sender: { name: 'Jordan Ellis' },
      participants: [{ user: { name: 'Morgan Reid' }, agencyName: 'Northmoor Constabulary', needToKnowReason: 'Attending the joint visit this afternoon' }],
      record: { consent: { status: 'not_sought', exemption: 'risk_of_significant_harm' } },
    });
  });

  it('refuses an inconsistent consent tag, saying what to fix', async () => {
    const jordan = await people.as('Jordan');
    const record = { ...notSoughtRecord(), article6Basis: 'consent' };
    const res = await jordan.post<ErrorBody>(`/api/children/${ids.lily}/verbal-shares`, verbal([{ userId: ids.ruth }], { record }));
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual([expect.objectContaining({ path: 'record.article6Basis' })]);
  });

  it('refuses recipients who are not verified users of signatory agencies, with the reason', async () => {
    const jordan = await people.as('Jordan');
    const pending = await jordan.post<ErrorBody>(`/api/children/${ids.lily}/verbal-shares`, verbal([{ userId: ids.taylor }]));
    expect(pending.body.error.code).toBe('recipient_not_verified');
    const outside = await jordan.post<ErrorBody>(
      `/api/children/${ids.lily}/verbal-shares`,
      verbal([{ externalName: 'Head of Year 5', agencyId: ids.riverside, needToKnowReason: 'Class teacher needs to watch for signs' }]),
    );
    expect(outside.status).toBe(403);
    expect(outside.body.error).toMatchObject({
      code: 'recipient_agency_not_signatory',
      message: expect.stringMatching(/existing \(non-protocol\) arrangements/),
    });
    const external = await jordan.post<{ entry: Entry }>(
      `/api/children/${ids.lily}/verbal-shares`,
      verbal([{ externalName: 'Duty sergeant', agencyId: ids.police, needToKnowReason: 'Police welfare check requested tonight' }]),
    );
    expect(external.status).toBe(201);
    expect(external.body.entry.participants[0]).toMatchObject({ user: null, externalName: 'Duty sergeant', agencyName: 'Northmoor Constabulary' });
  });

  it('refuses a sender who may not share, a time in the future, and a shielded child', async () => {
    const taylor = new ApiClient(haven.url);
    const account = haven.account('Taylor');
    await taylor.post('/api/auth/sign-in', { email: account.email, password: account.password });
    const start = await taylor.post<{ secret: string }>('/api/auth/enrolment/start');
    await taylor.post('/api/auth/enrolment/confirm', { code: totpCode(start.body.secret) });
    expect((await taylor.post<ErrorBody>(`/api/children/${ids.lily}/verbal-shares`, verbal([{ userId: ids.ruth }]))).body.error.code).toBe('not_verified');

    const jordan = await people.as('Jordan');
    const future = await jordan.post<ErrorBody>(
      `/api/children/${ids.lily}/verbal-shares`,
      verbal([{ userId: ids.ruth }], { occurredAt: '2999-01-01T00:00:00Z' }),
    );
    expect(future.status).toBe(400);
    expect(future.body.error.issues?.[0]?.path).toBe('occurredAt');
  });
});

describe('decisions not to share', () => {
  it('records a declined request (even from an agency outside the protocol) and lets the deciding agency reopen it', async () => {
    const jordan = await people.as('Jordan');
    const decided = await jordan.post<{ entry: Entry }>(`/api/children/${ids.lily}/decisions`, {
      occurredAt: new Date(Date.now() - 7_200_000).toISOString(),
      tier: 'welfare',
      participants: [{ externalName: 'School office', agencyId: ids.riverside }],
      decision: {
        reason: 'The school has not signed the protocol and the request gave no reason',
        purpose: 'School asked for the family’s new address',
        kindsOfInformation: ['identity_and_contact'],
        wasRequest: true,
        consentStatus: 'not_sought',
      },
    });
    expect(decided.status).toBe(201);
    expect(decided.body.entry.kind).toBe('decision_not_to_share');
    const morgan = await people.as('Morgan');
    expect((await morgan.post<ErrorBody>(`/api/shares/${decided.body.entry.id}/reopen`, { reason: 'New information' })).status).toBe(403);
    const reopened = await jordan.post<{ entry: Entry }>(`/api/shares/${decided.body.entry.id}/reopen`, { reason: 'The trust has now signed; reconsider' });
    expect(reopened.status).toBe(201);
    expect(reopened.body.entry).toMatchObject({ kind: 'decision_reopened', record: { reopens: decided.body.entry.id } });
  });
});

describe('corrections and immutability', () => {
  it('corrects by a new entry that references the original; only the sender may', async () => {
    const jordan = await people.as('Jordan');
    const original = await jordan.post<{ entry: Entry }>(
      `/api/children/${ids.lily}/verbal-shares`,
      verbal([{ userId: ids.ruth, needToKnowReason: 'Designated officer advising on the case' }]),
    );
    const replacement = verbal([{ userId: ids.ruth, needToKnowReason: 'Designated officer advising on the case' }], {
      record: { ...notSoughtRecord(), purpose: 'Agree immediate safety planning and a strategy discussion' },
    });
    const ruth = await people.as('Ruth');
    expect((await ruth.post<ErrorBody>(`/api/shares/${original.body.entry.id}/corrections`, { reason: 'Wrong purpose', replacement })).body.error.code).toBe(
      'not_the_sender',
    );
    const corrected = await jordan.post<{ entry: Entry }>(`/api/shares/${original.body.entry.id}/corrections`, {
      reason: 'The purpose was recorded too narrowly',
      replacement,
    });
    expect(corrected.status).toBe(201);
    expect(corrected.body.entry.corrects).toEqual({ id: original.body.entry.id, reason: 'The purpose was recorded too narrowly' });
    const entries = (await jordan.get<{ entries: Entry[] }>(`/api/children/${ids.lily}/chronology`)).body.entries;
    const before = entries.find((e) => e.id === original.body.entry.id);
    expect(before?.record.purpose).toBe('Agree immediate safety planning for the child');
    expect(before?.followedBy).toEqual([{ id: corrected.body.entry.id, kind: 'verbal' }]);
  });

  it('the database refuses edits and deletions of the share log', async () => {
    const client = await rawClient(haven.database.url);
    try {
      await expect(client.query(`update share_log set record = '{}'`)).rejects.toThrow(/immutable/);
      await expect(client.query('delete from share_participants')).rejects.toThrow(/immutable/);
    } finally {
      await client.end();
    }
  });
});

describe('chronology', () => {
  it('shows each practitioner the entries they are party to, in the order they happened, and audits the view', async () => {
    const jordan = await people.as('Jordan');
    const recordedNowHappenedEarlier = await jordan.post<{ entry: Entry }>(
      `/api/children/${ids.lily}/verbal-shares`,
      verbal([{ userId: ids.ruth, needToKnowReason: 'Designated officer advising on the case' }], {
        occurredAt: new Date(Date.now() - 86_400_000 * 3).toISOString(),
      }),
    );
    const mine = (await jordan.get<{ entries: Entry[] }>(`/api/children/${ids.lily}/chronology`)).body.entries;
    expect(mine[0]?.id).toBe(recordedNowHappenedEarlier.body.entry.id);
    const times = mine.map((e) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    const morgan = await people.as('Morgan');
    const his = (await morgan.get<{ entries: Entry[] }>(`/api/children/${ids.lily}/chronology`)).body.entries;
    expect(his.length).toBeGreaterThan(0);
    expect(his.every((e) => e.sender.name === 'Morgan Reid' || e.participants.some((p) => p.user?.name === 'Morgan Reid'))).toBe(true);
    // Alex (police) took part in none of Jordan's entries: he sees only his own (the demo's share with Ruth).
    const alex = await people.as('Alex');
    const alexs = (await alex.get<{ entries: Entry[] }>(`/api/children/${ids.lily}/chronology`)).body.entries;
    expect(alexs.every((e) => e.sender.name === 'Alex Carter' || e.participants.some((p) => p.user?.name === 'Alex Carter'))).toBe(true);
    expect(alexs.map((e) => e.id)).not.toContain(recordedNowHappenedEarlier.body.entry.id);

    const client = await rawClient(haven.database.url);
    const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from audit_entries where action = 'child.chronology_viewed'`);
    await client.end();
    expect(rows[0]?.n).toBeGreaterThanOrEqual(3);
  });
});
