import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';

// The audit log names the people and children its entries are about, only to those who may see them.
let haven: TestHaven;
const people = new People(() => haven);
const ids = { lily: '', callum: '', amara: '', taylor: '' };

type Entry = { action: string; subjectType: string | null; subjectId: string | null; subjectName: string | null };
type Listing = { entries: Entry[] };

// Searched by first name only: the search terms a practitioner typed are shown to admins with the search (as before).
const childIdByName = async (name: string) =>
  (await (await people.as('Jordan')).get<{ children: { id: string }[] }>(`/api/children?name=${encodeURIComponent(name)}`)).body.children[0]?.id ?? '';

/** The names an admin's listing gives for a child subject (and that nothing in it names the child otherwise). */
async function namesFor(who: string, childId: string, childName: string): Promise<{ names: (string | null)[]; leaked: boolean }> {
  const { body } = await (await people.as(who)).get<Listing>(`/api/audit?subjectId=${childId}&limit=500`);
  const named = body.entries.filter((e) => e.subjectType === 'child').map((e) => e.subjectName);
  return { names: [...new Set(named)], leaked: JSON.stringify(body).includes(childName) };
}

beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true });
  ids.lily = await childIdByName('Lily');
  ids.callum = await childIdByName('Callum');
  ids.amara = await childIdByName('Amara');
  // Council staff (Priya's agency) open a council child and a police child.
  const jordan = await people.as('Jordan');
  for (const id of [ids.lily, ids.callum, ids.amara]) {
    expect((await jordan.post(`/api/children/${id}/open`, { reason: 'Preparing for the strategy meeting' })).status).toBe(200);
  }
  const ruth = await people.as('Ruth');
  expect((await ruth.post(`/api/children/${ids.amara}/shield`, { reason: 'Family in refuge' })).status).toBe(200);
  const { body } = await (await people.as('Priya')).get<{ users: { id: string; name: string }[] }>('/api/users');
  ids.taylor = body.users.find((u) => u.name === 'Taylor Brooks')?.id ?? '';
});
afterAll(() => haven.close());

describe('names in the audit log', () => {
  it('gives a system admin the child’s name, and a user subject’s name', async () => {
    expect(await namesFor('Sam', ids.lily, 'Lily Hartwell')).toEqual({ names: ['Lily Hartwell'], leaked: true });
    expect(await namesFor('Sam', ids.callum, 'Callum Byrne')).toEqual({ names: ['Callum Byrne'], leaked: true });
    const priya = await people.as('Priya');
    await priya.get(`/api/users/${ids.taylor}`);
    const { body } = await (await people.as('Sam')).get<Listing>(`/api/audit?subjectId=${ids.taylor}`);
    expect(body.entries.find((e) => e.action === 'user.viewed')).toMatchObject({ subjectType: 'user', subjectName: 'Taylor Brooks' });
  });

  it('gives an agency admin the name of a child their agency holds or serves, never of another agency’s child', async () => {
    expect(await namesFor('Priya', ids.lily, 'Lily Hartwell')).toEqual({ names: ['Lily Hartwell'], leaked: true });
    // Callum is held by the police and the council does not serve him: the entry is in Priya's scope, his name is not.
    const callum = await namesFor('Priya', ids.callum, 'Callum Byrne');
    expect(callum.names).toEqual([null]);
    expect(callum.leaked).toBe(false);
    const report = await (await people.as('Priya')).get<Listing>(`/api/audit/reports/child/${ids.callum}`);
    expect(report.body.entries.length).toBeGreaterThan(0);
    expect(JSON.stringify(report.body)).not.toContain('Callum Byrne');
    const csv = await (await people.as('Priya')).request('GET', `/api/audit/reports/child/${ids.callum}?format=csv`);
    expect(csv.body as unknown as string).not.toContain('Callum Byrne');
    const lily = await (await people.as('Priya')).request('GET', `/api/audit/reports/child/${ids.lily}?format=csv`);
    expect(lily.body as unknown as string).toContain(`child Lily Hartwell ${ids.lily}`);
  });

  it('names no shielded child, even to a system admin, until their session overrides the shield', async () => {
    for (const who of ['Sam', 'Priya']) {
      const amara = await namesFor(who, ids.amara, 'Amara Osei');
      expect(amara.names, who).toEqual([null]);
      expect(amara.leaked, who).toBe(false);
    }
    expect((await (await people.as('Sam')).post(`/api/children/${ids.amara}/override`, { reason: 'Subject access request from the parent' })).status).toBe(200);
    expect((await namesFor('Sam', ids.amara, 'Amara Osei')).names).toEqual(['Amara Osei']);
  });

  it('gives nothing to a practitioner, and nothing to a suspended admin', async () => {
    const jordan = await people.as('Jordan');
    for (const path of [`/api/audit?subjectId=${ids.lily}`, `/api/audit/reports/child/${ids.lily}`]) {
      const res = await jordan.get(path);
      expect(res.status).toBe(403);
      expect(JSON.stringify(res.body)).not.toContain('Lily Hartwell');
    }
    const priya = await people.as('Priya');
    const { body } = await (await people.as('Sam')).get<{ users: { id: string; name: string }[] }>('/api/users');
    const priyaId = body.users.find((u) => u.name === 'Priya Natarajan')?.id ?? '';
    expect((await (await people.as('Sam')).post(`/api/users/${priyaId}/suspend`, { reason: 'Audit names test' })).status).toBe(200);
    for (const path of [`/api/audit?subjectId=${ids.lily}`, `/api/audit/reports/child/${ids.lily}`, '/api/children?name=Lily']) {
      const res = await priya.get(path);
      expect([401, 403], path).toContain(res.status);
      expect(JSON.stringify(res.body)).not.toContain('Lily Hartwell');
    }
  });
});
