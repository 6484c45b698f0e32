import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';

let haven: TestHaven;
const people = new People(() => haven);
beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true });
});
afterAll(() => haven.close());

type ErrorBody = { error: { code: string; message: string; issues?: { path: string; message: string }[]; duplicates?: { id: string }[] } };
type Child = {
  id: string;
  name: string;
  sourceAgency: { name: string };
  lastVerifiedAt: string;
  access: string;
  shielded: boolean;
  involvements: { agency: { name: string; contactEmail: string | null } }[];
  concerns: { id: string; raisedBy: { name: string }; agency: { name: string } }[];
  specialistContacts: { id: string; service: string; shielded: boolean }[];
};
type Search = { total: number; children: { id: string; name: string; myAgencyInvolved: boolean; postcodeDistrict: string }[] };

const newChild = (over: Record<string, unknown> = {}) => ({
  name: 'Tomasz Wierzbicki',
  dateOfBirth: '2015-03-09',
  gender: 'male',
  address: '7 Orchard Close, Northmoor',
  postcode: 'nm2 5rt',
  parents: [{ name: 'Ewa Wierzbicka', relationship: 'mother', contact: '01632 960 111' }],
  schoolOrSetting: 'Northmoor Primary School',
  gp: 'Northmoor Health Centre',
  healthVisitor: null,
  basis: 'involved',
  ...over,
});

async function search(c: ApiClient, query: Record<string, string>): Promise<Search> {
  const res = await c.get<Search>(`/api/children?${new URLSearchParams(query).toString()}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function open(c: ApiClient, id: string, reason = 'Preparing for a strategy discussion'): Promise<{ status: number; child: Child }> {
  const res = await c.post<{ child: Child }>(`/api/children/${id}/open`, { reason });
  return { status: res.status, child: res.body.child };
}

/** Audit entries of an action, with the private detail (kept apart from the chain) merged back in. */
async function auditRows(action: string): Promise<{ actor_id: string; subject_id: string | null; detail: Record<string, unknown> }[]> {
  const client = await rawClient(haven.database.url);
  try {
    const { rows } = await client.query<{
      actor_id: string;
      subject_id: string | null;
      detail: Record<string, unknown>;
      private: Record<string, unknown> | null;
    }>(
      'select a.actor_id, a.subject_id, a.detail, p.detail as private from audit_entries a left join audit_private p on p.seq = a.seq where a.action = $1 order by a.seq',
      [action],
    );
    return rows.map(({ detail, private: privateDetail, ...rest }) => {
      const { privateDigest: _digest, ...chained } = detail;
      return { ...rest, detail: { ...chained, ...privateDetail } };
    });
  } finally {
    await client.end();
  }
}

describe('index entries: minimum data only', () => {
  it('creates an entry with the permitted fields, showing its source agency and last-verified date', async () => {
    const jordan = await people.as('Jordan');
    const res = await jordan.post<{ child: Child & { postcode: string } }>('/api/children', newChild());
    expect(res.status).toBe(201);
    expect(res.body.child).toMatchObject({
      name: 'Tomasz Wierzbicki',
      postcode: 'NM2 5RT',
      sourceAgency: { name: expect.stringContaining('Children') },
      access: 'involved',
    });
    expect(Date.parse(res.body.child.lastVerifiedAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it.each(['caseNotes', 'diagnosis', 'reasonForReferral', 'attendance'])('refuses any other field (%s) with a 400 that names it', async (field) => {
    const jordan = await people.as('Jordan');
    const res = await jordan.post<ErrorBody>('/api/children', { ...newChild({ name: 'Someone Else' }), [field]: 'anything' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(field);
    expect(res.body.error.issues?.[0]?.message).toContain(field);
  });

  it('checks for duplicates first and offers the existing entry', async () => {
    const jordan = await people.as('Jordan');
    const dup = await jordan.post<ErrorBody>('/api/children', newChild({ name: 'Tomas Wierzbicki', address: '7 Orchard Cl, Northmoor' }));
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('possible_duplicate');
    expect(dup.body.error.duplicates).toHaveLength(1);
    const confirmed = await jordan.post<{ child: Child }>('/api/children', newChild({ name: 'Tomas Wierzbicki', confirmNotDuplicate: true }));
    expect(confirmed.status).toBe(201);
  });

  it('gives the holding agency access to an entry it added over a concern', async () => {
    const morgan = await people.as('Morgan');
    const res = await morgan.post<{ child: Child }>(
      '/api/children',
      newChild({ name: 'Riley Ashdown', dateOfBirth: '2011-01-11', postcode: 'NM3 1AA', basis: 'concern' }),
    );
    expect(res.body.child).toMatchObject({
      access: 'source_agency',
      involvements: [],
      concerns: [expect.objectContaining({ raisedBy: expect.objectContaining({ name: 'Morgan Reid' }) })],
    });
  });

  it('refuses a bad postcode or date with the field named', async () => {
    const jordan = await people.as('Jordan');
    const res = await jordan.post<ErrorBody>('/api/children', newChild({ postcode: 'NOT A POSTCODE', dateOfBirth: '2015-02-30' }));
    expect(res.status).toBe(400);
    expect(res.body.error.issues?.map((i) => i.path).sort()).toEqual(['dateOfBirth', 'postcode']);
  });
});

describe('search and opening with reasons', () => {
  it('tolerates small spelling differences, and searches by date of birth and postcode', async () => {
    const morgan = await people.as('Morgan');
    expect((await search(morgan, { name: 'Lilly Hartwel' })).children.map((c) => c.name)).toContain('Lily Hartwell');
    expect((await search(morgan, { name: 'hartwell' })).children.map((c) => c.name)).toContain('Lily Hartwell');
    expect((await search(morgan, { postcode: 'NM1' })).children.map((c) => c.name).sort()).toEqual(['Amara Osei', 'Lily Hartwell']);
    const lily = (await search(morgan, { name: 'Lily Hartwell' })).children[0];
    expect(lily?.postcodeDistrict).toBe('NM1');
    expect(lily?.myAgencyInvolved).toBe(false);
    expect((await search(await people.as('Jordan'), { name: 'Lily Hartwell' })).children[0]?.myAgencyInvolved).toBe(true);
    expect((await search(morgan, { name: 'Zebedee Quux' })).total).toBe(0);
  });

  it('audits every search with its terms and the ids returned', async () => {
    const morgan = await people.as('Morgan');
    const found = await search(morgan, { name: 'Amara Osei', dateOfBirth: '2000-01-01' });
    expect(found.total).toBe(0);
    const hits = await search(morgan, { name: 'Amara' });
    const rows = await auditRows('child.searched');
    expect(rows.at(-2)?.detail).toEqual({ terms: { name: 'Amara Osei', dateOfBirth: '2000-01-01' }, returned: [] });
    expect(rows.at(-1)?.detail).toEqual({ terms: { name: 'Amara' }, returned: hits.children.map((c) => c.id) });
  });

  it('needs a stated reason to open an entry, and audits it; need-to-know shows in the access', async () => {
    const morgan = await people.as('Morgan');
    const jordan = await people.as('Jordan');
    const lilyId = (await search(morgan, { name: 'Lily Hartwell' })).children[0]?.id ?? '';
    const noReason = await morgan.post<ErrorBody>(`/api/children/${lilyId}/open`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.issues?.[0]?.path).toBe('reason');
    const asPolice = await open(morgan, lilyId, 'Officer attending a welfare call at the address');
    expect(asPolice.status).toBe(200);
    expect(asPolice.child.access).toBe('stated_reason');
    expect(asPolice.child.involvements.map((i) => i.agency)).toEqual([
      { id: expect.any(String), name: expect.stringContaining('Children'), contactEmail: expect.any(String) },
    ]);
    expect((await open(jordan, lilyId)).child.access).toBe('involved');
    const opened = (await auditRows('child.opened')).filter((r) => r.subject_id === lilyId);
    expect(opened.map((r) => r.detail)).toEqual([
      { reason: 'Officer attending a welfare call at the address', access: 'stated_reason' },
      { reason: 'Preparing for a strategy discussion', access: 'involved' },
    ]);
  });

  it('refuses the index to an unverified user, with the reason', async () => {
    const taylor = haven.account('Taylor');
    const { ApiClient: Client } = await import('../support/client');
    const c = new Client(haven.url);
    await c.post('/api/auth/sign-in', { email: taylor.email, password: taylor.password });
    const { totpCode } = await import('../support/totp');
    const start = await c.post<{ secret: string }>('/api/auth/enrolment/start');
    await c.post('/api/auth/enrolment/confirm', { code: totpCode(start.body.secret) });
    const res = await c.get<ErrorBody>('/api/children?name=Lily');
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('not_verified');
  });
});

describe('involvement and flags of concern', () => {
  it('records and ends involvement; the child leaves the index when nothing keeps it there', async () => {
    const morgan = await people.as('Morgan');
    const jordan = await people.as('Jordan');
    const amaraId = (await search(morgan, { name: 'Amara Osei' })).children[0]?.id ?? '';
    const involved = await morgan.post<{ child: Child }>(`/api/children/${amaraId}/involvement`);
    expect(involved.body.child.involvements).toHaveLength(2);
    expect(involved.body.child.access).toBe('involved');
    expect((await morgan.post<ErrorBody>(`/api/children/${amaraId}/involvement`)).body.error.code).toBe('already_involved');
    await morgan.post(`/api/children/${amaraId}/involvement/end`);
    const last = await jordan.post<{ child: Child | null }>(`/api/children/${amaraId}/involvement/end`);
    expect(last.status).toBe(200);
    expect(last.body.child).toBeNull();
    expect((await search(morgan, { name: 'Amara Osei' })).total).toBe(0);
    expect((await open(morgan, amaraId)).status).toBe(404);
    // An agency starting to work with the child puts them back on the index.
    const back = await jordan.post<{ child: Child }>(`/api/children/${amaraId}/involvement`);
    expect(back.body.child.involvements).toHaveLength(1);
    expect((await search(morgan, { name: 'Amara Osei' })).total).toBe(1);
  });

  it('raises and clears flags of concern (who and when, no details); only the raising agency clears', async () => {
    const morgan = await people.as('Morgan');
    const jordan = await people.as('Jordan');
    const lilyId = (await search(morgan, { name: 'Lily Hartwell' })).children[0]?.id ?? '';
    const raised = await morgan.post<{ child: Child }>(`/api/children/${lilyId}/concerns`, {});
    const flag = raised.body.child.concerns[0];
    expect(flag).toMatchObject({ raisedBy: { name: 'Morgan Reid' }, agency: { name: 'Northmoor Constabulary' } });
    expect(Object.keys(flag ?? {}).sort()).toEqual(['agency', 'id', 'raisedAt', 'raisedBy']);
    const refused = await jordan.post<ErrorBody>(`/api/children/${lilyId}/concerns/${flag?.id}/clear`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('other_agency');
    const cleared = await morgan.post<{ child: Child }>(`/api/children/${lilyId}/concerns/${flag?.id}/clear`);
    expect(cleared.body.child.concerns).toEqual([]);
  });

  it('lets an involved agency confirm the details are current', async () => {
    const jordan = await people.as('Jordan');
    const morgan = await people.as('Morgan');
    const lilyId = (await search(jordan, { name: 'Lily Hartwell' })).children[0]?.id ?? '';
    expect((await jordan.post<{ child: Child }>(`/api/children/${lilyId}/confirm-details`)).status).toBe(200);
    expect((await morgan.post<ErrorBody>(`/api/children/${lilyId}/confirm-details`)).body.error.code).toBe('not_involved');
  });
});

describe('shielding', () => {
  it('hides a shielded entry from searches, counts and every response, until an authorised override', async () => {
    const ruth = await people.as('Ruth');
    const jordan = await people.as('Jordan');
    const created = await jordan.post<{ child: Child }>(
      '/api/children',
      newChild({ name: 'Poppy Fairbrother', dateOfBirth: '2012-06-01', address: '1 Refuge Row, Eastfold', postcode: 'NM4 9ZZ' }),
    );
    const id = created.body.child.id;
    expect((await jordan.post<ErrorBody>(`/api/children/${id}/shield`, { reason: 'Family in refuge' })).body.error.code).toBe('not_authorised_to_shield');
    expect((await ruth.post(`/api/children/${id}/shield`, { reason: 'Family in refuge' })).status).toBe(200);

    for (const viewer of [jordan, ruth, await people.as('Morgan')]) {
      const byName = await viewer.get<Search>('/api/children?name=Poppy+Fairbrother');
      const byPostcode = await viewer.get<Search>('/api/children?postcode=NM4');
      expect(byName.body.total).toBe(0);
      expect(JSON.stringify(byName.body) + JSON.stringify(byPostcode.body)).not.toMatch(/Poppy|Fairbrother|Refuge Row|NM4 9ZZ/);
      expect(byPostcode.body.children.every((c) => c.id !== id)).toBe(true);
      const opened = await viewer.post<ErrorBody>(`/api/children/${id}/open`, { reason: 'Checking the record' });
      expect(opened.status).toBe(404);
      expect(JSON.stringify(opened.body)).not.toMatch(/Poppy|Fairbrother/);
    }
    // Duplicate checks do not reveal it either.
    const dup = await jordan.post<{ child: Child }>(
      '/api/children',
      newChild({ name: 'Poppy Fairbrother', dateOfBirth: '2012-06-01', address: '1 Refuge Row, Eastfold', postcode: 'NM4 9ZZ', basis: 'concern' }),
    );
    expect(dup.status).toBe(201);

    expect((await jordan.post<ErrorBody>(`/api/children/${id}/override`, { reason: 'I need it' })).body.error.code).toBe('not_authorised_to_shield');
    const override = await ruth.post<{ child: Child }>(`/api/children/${id}/override`, { reason: 'Section 47 enquiry strategy meeting today' });
    expect(override.status).toBe(200);
    expect(override.body.child).toMatchObject({ name: 'Poppy Fairbrother', shielded: true, access: 'override' });
    expect((await search(ruth, { name: 'Poppy Fairbrother' })).children.map((c) => c.id)).toContain(id);

    // The override lasts for that session only.
    people.forget();
    const ruthAgain = await people.as('Ruth');
    expect((await search(ruthAgain, { name: 'Poppy Fairbrother' })).children.map((c) => c.id)).not.toContain(id);

    // The agency admin is alerted, without personal data.
    const priya = await people.as('Priya');
    const alerts = await priya.get<{ alerts: { kind: string; childId: string; actor: { name: string } }[] }>('/api/alerts');
    expect(alerts.body.alerts).toEqual([
      expect.objectContaining({ kind: 'shield_override', childId: id, actor: { id: expect.any(String), name: 'Ruth Adeyemi' } }),
    ]);
    expect(JSON.stringify(alerts.body)).not.toMatch(/Poppy|Fairbrother|Section 47/);
  });

  it('hides a shielded specialist contact from everyone without an override', async () => {
    const ruth = await people.as('Ruth');
    const jordan = await people.as('Jordan');
    const lilyId = (await search(jordan, { name: 'Lily Hartwell' })).children[0]?.id ?? '';
    const added = await jordan.post<{ child: Child }>(`/api/children/${lilyId}/contacts`, {
      service: 'Northmoor Sexual Health Service',
      contact: '01632 960 222',
    });
    expect(added.status).toBe(201);
    const contactId = added.body.child.specialistContacts.find((c) => c.service.includes('Sexual Health'))?.id;
    expect((await ruth.post(`/api/children/${lilyId}/contacts/${contactId}/shield`, { reason: 'Young person asked for confidentiality' })).status).toBe(200);
    for (const viewer of [jordan, ruth]) {
      const { child } = await open(viewer, lilyId);
      expect(child.specialistContacts).toEqual([]);
      expect(JSON.stringify(child)).not.toMatch(/Sexual Health|960 222/);
    }
    const overridden = await ruth.post<{ child: Child }>(`/api/children/${lilyId}/override`, { reason: 'Joint visit planning with health' });
    expect(overridden.body.child.specialistContacts).toEqual([expect.objectContaining({ service: 'Northmoor Sexual Health Service', shielded: true })]);
    // Later actions in the same session keep showing what the override revealed.
    const raised = await ruth.post<{ child: Child }>(`/api/children/${lilyId}/concerns`, {});
    expect(raised.body.child).toMatchObject({ access: 'override', specialistContacts: [expect.objectContaining({ shielded: true })] });
  });
});
