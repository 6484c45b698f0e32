import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMonths, localDate } from '../../server/shared/clock';
import { TestClock, startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { welfareRecord } from '../support/practitioner';

const clock = new TestClock();
let haven: TestHaven;
const people = new People(() => haven, clock.now);
let childId = '';
let requestId = '';
const PROTECTED = ['Dana Hideaway', 'Zed Sanctuary'];

type Request = { id: string; requestedOn: string; dueOn: string; status: string };
type Export = { child: { name: string; parents: { name: string }[] }; events: { kind: string; description: string }[]; notes: string[] };

beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true, clock: clock.now });
  const jordan = await people.as('Jordan');
  const created = await jordan.post<{ child: { id: string } }>('/api/children', {
    name: 'Mia <script>alert(1)</script> Brook',
    dateOfBirth: '2016-04-04',
    gender: 'female',
    address: '4 Weir Cottages, Northmoor',
    postcode: 'NM5 2AB',
    parents: [
      { name: 'Dana Hideaway', relationship: 'mother', contact: 'via refuge only', protectIdentity: true },
      { name: 'Sam Brook', relationship: 'father', contact: '01632 960 333' },
    ],
    basis: 'involved',
  });
  childId = created.body.child.id;
  const police = (await jordan.get<{ agencies: { id: string; name: string }[] }>('/api/agencies/directory')).body.agencies.find(
    (a) => a.name === 'Northmoor Constabulary',
  );
  await jordan.post(`/api/children/${childId}/verbal-shares`, {
    occurredAt: clock.now().toISOString(),
    tier: 'welfare',
    participants: [
      { externalName: 'Zed Sanctuary', agencyId: police?.id, needToKnowReason: 'Officer protecting the family at the refuge', protectIdentity: true },
    ],
    record: welfareRecord,
  });
  await jordan.post(`/api/children/${childId}/open`, { reason: 'Preparing the child protection conference' });
  const jordanId = (await jordan.get<{ session: { user: { id: string } } }>('/api/session')).body.session.user.id;
  const lead = await (
    await people.as('Priya')
  ).request('PUT', `/api/children/${childId}/lead-practitioner`, { userId: jordanId, reason: 'Coordinates the plan' });
  expect(lead.status).toBe(201);
});
afterAll(() => haven.close());

describe('protect identity', () => {
  it('keeps a protected parent out of what other agencies see', async () => {
    const morgan = await people.as('Morgan');
    const seen = await morgan.post<{ child: { parents: { name: string }[] } }>(`/api/children/${childId}/open`, { reason: 'Welfare visit' });
    expect(seen.body.child.parents.map((p) => p.name)).toEqual(['Identity protected', 'Sam Brook']);
    const holder = await (await people.as('Jordan')).post<{ child: { parents: { name: string }[] } }>(`/api/children/${childId}/open`, { reason: 'Checking' });
    expect(holder.body.child.parents.map((p) => p.name)).toEqual(['Dana Hideaway', 'Sam Brook']);
  });
});

describe('subject access', () => {
  it('records a request with its one-month due date; only the holding agency or a system admin handles it', async () => {
    const today = localDate(clock.now());
    expect((await (await people.as('Morgan')).post('/api/subject-access-requests', { childId, requestedOn: today, requestedBy: 'parent' })).status).toBe(403);
    const res = await (
      await people.as('Priya')
    ).post<{ request: Request }>('/api/subject-access-requests', { childId, requestedOn: today, requestedBy: 'parent' });
    expect(res.status).toBe(201);
    expect(res.body.request).toMatchObject({ requestedOn: today, dueOn: addMonths(today, 1), status: 'open' });
    requestId = res.body.request.id;
  });

  it('exports everything held, in date order, with protected third parties redacted, as JSON and printable HTML', async () => {
    const priya = await people.as('Priya');
    const json = await priya.get<Export>(`/api/subject-access-requests/${requestId}/export`);
    expect(json.status).toBe(200);
    expect(json.body.child.name).toBe('Mia <script>alert(1)</script> Brook');
    expect(json.body.child.parents.map((p) => p.name)).toEqual(['[identity protected]', 'Sam Brook']);
    const kinds = json.body.events.map((e) => e.kind);
    expect(kinds[0]).toBe('index_entry_created');
    expect(kinds).toEqual(expect.arrayContaining(['involvement', 'share_verbal', 'access', 'lead_practitioner_appointed']));
    expect(json.body.events.some((e) => e.description.endsWith('appointed Jordan Ellis as lead practitioner'))).toBe(true);
    expect(json.body.events.some((e) => e.description.includes('reason: Preparing the child protection conference'))).toBe(true);
    const text = JSON.stringify(json.body);
    for (const name of PROTECTED) expect(text).not.toContain(name);

    const html = await priya.request('GET', `/api/subject-access-requests/${requestId}/export?format=html`);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    const page = html.body as unknown as string;
    expect(page).toContain('Mia &lt;script&gt;alert(1)&lt;/script&gt; Brook');
    expect(page).not.toContain('<script>');
    for (const name of PROTECTED) expect(page).not.toContain(name);
  });

  it('shows an unanswered request as overdue after a month, and can be marked answered', async () => {
    clock.advanceDays(40);
    people.forget();
    const priya = await people.as('Priya');
    const listed = await priya.get<{ requests: Request[] }>('/api/subject-access-requests');
    expect(listed.body.requests.find((r) => r.id === requestId)?.status).toBe('overdue');
    expect((await priya.post<{ request: Request }>(`/api/subject-access-requests/${requestId}/complete`)).body.request.status).toBe('completed');
  });
});
