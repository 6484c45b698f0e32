// Issue 18, "Conversations by child" and "Home": a child's name in the conversations list, a
// thread's header and the children opened recently goes only to those policy lets see it without
// stating a reason (their agency serves the child or holds their entry), and showing it is audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { ApiClient } from '../support/client';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, welfareRecord } from '../support/practitioner';
import { totpCode } from '../support/totp';

type ErrorBody = { error: { code: string; message: string } };
type Thread = { id: string; childId: string; childName: string | null; createdAt: string; lastActivityAt: string; participants: { name: string }[] };
type Recent = { children: { id: string; name: string; dateOfBirth: string; openedAt: string }[] };
type Entry = { action: string; actor: { name: string } | null; detail: Record<string, unknown> };

let haven: TestHaven;
const people = new People(() => haven);
const cast: Record<'jordan' | 'morgan' | 'priya', Practitioner> = {} as never;
const ids = { lily: '', amara: '', priya: '', thread: '', shieldedThread: '' };

async function threadsOf(client: ApiClient): Promise<Thread[]> {
  const res = await client.get<{ threads: Thread[] }>('/api/threads');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.threads;
}

async function startThread(childId: string, participants: { userId: string; needToKnowReason?: string }[]): Promise<string> {
  const res = await cast.jordan.api.post<{ thread: Thread }>(`/api/children/${childId}/threads`, { participants, record: welfareRecord });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.thread.id;
}

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  cast.jordan = new Practitioner(await people.as('Jordan'));
  cast.morgan = new Practitioner(await people.as('Morgan'));
  cast.priya = new Practitioner(await people.as('Priya'));
  for (const p of Object.values(cast)) {
    await p.publishKeys();
    await p.connect();
  }
  const find = async (name: string) =>
    (await cast.jordan.api.get<{ children: { id: string }[] }>(`/api/children?name=${encodeURIComponent(name)}`)).body.children[0]?.id ?? '';
  ids.lily = await find('Lily Hartwell');
  ids.amara = await find('Amara Osei');
  ids.priya = cast.priya.userId;
  // Lily: Jordan's agency (the council) serves her; Morgan (police) is told because he needs to
  // know; Priya, the council's agency admin, takes part too.
  ids.thread = await startThread(ids.lily, [
    { userId: cast.morgan.userId, needToKnowReason: 'Neighbourhood officer for the family' },
    { userId: ids.priya, needToKnowReason: 'Agency admin following the case' },
  ]);
  // Amara: served by the council too, then shielded by a designated officer.
  ids.shieldedThread = await startThread(ids.amara, [{ userId: cast.morgan.userId, needToKnowReason: 'Neighbourhood officer for the family' }]);
  expect((await (await people.as('Ruth')).post(`/api/children/${ids.amara}/shield`, { reason: 'Family moved to a refuge' })).status).toBe(200);
});
afterAll(async () => {
  for (const p of Object.values(cast)) p.disconnect();
  await haven.close();
});

describe('the child’s name in conversations', () => {
  it('is given to a practitioner whose agency serves the child, with the other people and the last activity', async () => {
    const lily = (await threadsOf(cast.jordan.api)).find((t) => t.id === ids.thread);
    expect(lily).toMatchObject({ childId: ids.lily, childName: 'Lily Hartwell' });
    expect(lily?.participants.map((p) => p.name)).toEqual(['Jordan Ellis', 'Morgan Reid', 'Priya Natarajan']);
    // No message yet: the last activity is the start.
    expect(lily?.lastActivityAt).toBe(lily?.createdAt);

    const ack = await cast.jordan.send(cast.jordan.seal({ id: ids.thread, childId: ids.lily }, [cast.morgan, cast.priya], 'Home visit moved to Thursday'));
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    const storedAt = ack.ok ? ack.storedAt : '';
    const after = (await threadsOf(cast.jordan.api)).find((t) => t.id === ids.thread);
    expect(after?.lastActivityAt).toBe(new Date(storedAt).toISOString());
    // The thread's own header says the same.
    const opened = await cast.jordan.api.get<{ thread: Thread }>(`/api/threads/${ids.thread}`);
    expect(opened.body.thread).toMatchObject({ childName: 'Lily Hartwell', lastActivityAt: after?.lastActivityAt });
  });

  it('is not given to another agency told on a need-to-know basis, who names the child by opening the record with a reason', async () => {
    const lily = (await threadsOf(cast.morgan.api)).find((t) => t.id === ids.thread);
    expect(lily).toMatchObject({ childId: ids.lily, childName: null });
    const opened = await cast.morgan.api.get<{ thread: Thread }>(`/api/threads/${ids.thread}`);
    expect(opened.status).toBe(200);
    expect(opened.body.thread.childName).toBeNull();
    // Nothing the server said to him names her.
    expect(JSON.stringify(opened.body)).not.toContain('Lily');
  });

  it('is not given to an admin, even of the agency that serves the child', async () => {
    const priya = await people.as('Priya');
    const lily = (await threadsOf(priya)).find((t) => t.id === ids.thread);
    expect(lily).toMatchObject({ childId: ids.lily, childName: null });
  });

  it('is not given for a shielded child, unless this session overrode the shield', async () => {
    const amara = (await threadsOf(cast.jordan.api)).find((t) => t.id === ids.shieldedThread);
    expect(amara).toMatchObject({ childId: ids.amara, childName: null });
    expect(JSON.stringify(await threadsOf(cast.jordan.api))).not.toContain('Amara');
  });

  it('a shielded child’s conversation cannot be opened or written to by its people; a designated officer in it who overrides the shield can, for that session only', async () => {
    // A child of their own, so shielding it leaves the others in this file as they are.
    const ruth = new Practitioner(await people.as('Ruth'));
    await ruth.publishKeys();
    await ruth.connect();
    try {
      const created = await cast.jordan.api.post<{ child: { id: string } }>('/api/children', {
        name: 'Tomasz Wierzbicki',
        dateOfBirth: '2015-03-09',
        gender: 'male',
        address: '7 Orchard Close, Northmoor',
        postcode: 'nm2 5rt',
        parents: [],
        schoolOrSetting: null,
        gp: null,
        healthVisitor: null,
        basis: 'involved',
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const child = created.body.child.id;
      const thread = await startThread(child, [{ userId: ruth.userId, needToKnowReason: 'Designated officer for the case' }]);
      const before = await cast.jordan.send(cast.jordan.seal({ id: thread, childId: child }, [ruth], 'Before the shield'));
      expect(before.ok, JSON.stringify(before)).toBe(true);
      expect((await ruth.api.post(`/api/children/${child}/shield`, { reason: 'Family moved to a refuge' })).status).toBe(200);

      for (const p of [cast.jordan, ruth]) {
        expect((await p.api.get<ErrorBody>(`/api/threads/${thread}`)).status).toBe(404);
      }
      const refused = await cast.jordan.send(cast.jordan.seal({ id: thread, childId: child }, [ruth], 'After the shield'));
      expect(refused).toMatchObject({ ok: false, error: { code: 'child_not_found' } });
      const ruthRefused = await ruth.send(ruth.seal({ id: thread, childId: child }, [cast.jordan], 'Ruth, before overriding'));
      expect(ruthRefused).toMatchObject({ ok: false, error: { code: 'child_not_found' } });

      expect((await ruth.api.post(`/api/children/${child}/override`, { reason: 'Strategy meeting today' })).status).toBe(200);
      expect((await ruth.api.get(`/api/threads/${thread}`)).status).toBe(200);
      const sent = await ruth.send(ruth.seal({ id: thread, childId: child }, [cast.jordan], 'Ruth, with the override'));
      expect(sent.ok, JSON.stringify(sent)).toBe(true);
      // The override is Ruth's session's only: Jordan is still refused.
      expect((await cast.jordan.api.get(`/api/threads/${thread}`)).status).toBe(404);
    } finally {
      ruth.disconnect();
    }
  });

  it('is audited when shown: the child’s access report says who saw the name, and where', async () => {
    await threadsOf(cast.jordan.api);
    const report = await (await people.as('Sam')).get<{ entries: Entry[] }>(`/api/audit/reports/child/${ids.lily}`);
    const listed = report.body.entries.filter((e) => e.action === 'child.names_listed');
    expect(listed.map((e) => [e.actor?.name, e.detail['where']])).toEqual(
      expect.arrayContaining([
        ['Jordan Ellis', 'conversations'],
        ['Jordan Ellis', 'conversation'],
      ]),
    );
    // Neither Morgan nor Priya was shown it.
    expect(listed.some((e) => e.actor?.name !== 'Jordan Ellis')).toBe(false);
  });
});

describe('the children opened recently (Home)', () => {
  it('lists the children a practitioner opened that their agency serves, most recent first, and audits the list', async () => {
    expect((await cast.jordan.api.post(`/api/children/${ids.lily}/open`, { reason: 'Preparing the core group' })).status).toBe(200);
    const res = await cast.jordan.api.get<Recent>('/api/children/recent');
    expect(res.status).toBe(200);
    expect(res.body.children.map((c) => c.name)).toEqual(['Lily Hartwell']);
    expect(res.body.children[0]?.openedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const audit = await (await people.as('Sam')).get<{ entries: Entry[] }>('/api/audit?action=child.names_listed');
    expect(audit.body.entries[0]).toMatchObject({ actor: { name: 'Jordan Ellis' }, detail: { where: 'home', returned: [ids.lily] } });
  });

  it('leaves out a child whose record was opened by another agency that does not serve them', async () => {
    expect((await cast.morgan.api.post(`/api/children/${ids.lily}/open`, { reason: 'Checking the address' })).status).toBe(200);
    const res = await cast.morgan.api.get<Recent>('/api/children/recent');
    expect(res.status).toBe(200);
    expect(res.body.children.map((c) => c.id)).not.toContain(ids.lily);
  });

  it('refuses an admin', async () => {
    const priya = await people.as('Priya');
    expect((await priya.post(`/api/children/${ids.lily}/open`, { reason: 'Checking a complaint' })).status).toBe(200);
    const res = await priya.get<ErrorBody>('/api/children/recent');
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('not_casework_role');
    expect((await (await people.as('Sam')).get<ErrorBody>('/api/children/recent')).status).toBe(403);
  });

  it('refuses an unverified user', async () => {
    const taylor = new ApiClient(haven.url);
    const account = haven.account('Taylor');
    await taylor.post('/api/auth/sign-in', { email: account.email, password: account.password });
    const start = await taylor.post<{ secret: string }>('/api/auth/enrolment/start');
    expect((await taylor.post('/api/auth/enrolment/confirm', { code: totpCode(start.body.secret) })).status).toBe(200);
    for (const path of ['/api/children/recent', '/api/threads']) {
      const res = await taylor.get<ErrorBody>(path);
      expect(res.status, path).toBe(403);
      expect(res.body.error.code, path).toBe('not_verified');
    }
  });

  it('refuses a suspended user, and names nothing to them', async () => {
    const sam = await people.as('Sam');
    expect((await sam.post(`/api/users/${cast.morgan.userId}/suspend`, { reason: 'Names test' })).status).toBe(200);
    const suspended = new ApiClient(haven.url);
    expect((await suspended.signIn(haven.account('Morgan'))).status).toBe(200);
    for (const path of ['/api/children/recent', '/api/threads', `/api/threads/${ids.thread}`]) {
      const res = await suspended.get<ErrorBody>(path);
      expect(res.status, path).toBe(403);
      expect(res.body.error.code, path).toBe('suspended');
    }
  });
});
