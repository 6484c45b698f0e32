import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/client';
import { rawClient } from '../support/database';
import { TestClock, startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { addMonths, localDate } from '../../server/shared/clock';

let haven: TestHaven;
const clock = new TestClock();
const people = new People(() => haven, clock.now);
beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true, clock: clock.now, env: { HAVEN_INVITE_DAYS: '2' } });
});
afterAll(() => haven.close());

type ErrorBody = { error: { code: string; message: string; issues?: { path: string }[] } };
type AgencyBody = { agency: { id: string; name: string; protocolSigned: boolean; protocolSignedOn: string | null } };

async function councilId(): Promise<string> {
  const dir = await new ApiClient(haven.url).get<{ agencies: { id: string; name: string }[] }>('/api/agencies/directory');
  const council = dir.body.agencies.find((a) => a.name.startsWith('Northmoor County Council'));
  if (!council) throw new Error('demo council missing');
  return council.id;
}

describe('invitations', () => {
  it('an agency admin invites a user; the single-use link creates a pending account', async () => {
    const priya = await people.as('Priya');
    const invite = await priya.post<{ token: string; url: string; invite: { expiresAt: string } }>('/api/invites', {
      email: 'Health.Visitor@Childrens.Northmoor.example',
      agencyId: await councilId(),
      role: 'practitioner',
    });
    expect(invite.status).toBe(201);
    expect(invite.body.url).toContain(`#/invite/${invite.body.token}`);

    const newcomer = new ApiClient(haven.url);
    const described = await newcomer.get(`/api/auth/invites/${invite.body.token}`);
    expect(described.body).toMatchObject({
      email: 'health.visitor@childrens.northmoor.example',
      role: 'practitioner',
      agencyName: expect.stringContaining('Northmoor'),
    });
    expect((await newcomer.post(`/api/auth/invites/${invite.body.token}/accept`, { name: 'Casey Health', password: 'a long enough password' })).status).toBe(
      201,
    );
    const again = await newcomer.post<ErrorBody>(`/api/auth/invites/${invite.body.token}/accept`, { name: 'Casey Again', password: 'a long enough password' });
    expect(again.status).toBe(410);
    expect(again.body.error.code).toBe('invite_used');

    const signIn = await newcomer.post<{ session: { stage: string; user: { status: string } } }>('/api/auth/sign-in', {
      email: 'health.visitor@childrens.northmoor.example',
      password: 'a long enough password',
    });
    expect(signIn.body.session).toMatchObject({ stage: 'enrolment_required', user: { status: 'pending' } });
  });

  it('an invitation expires', async () => {
    const priya = await people.as('Priya');
    const invite = await priya.post<{ token: string }>('/api/invites', {
      email: 'late@childrens.northmoor.example',
      agencyId: await councilId(),
      role: 'practitioner',
    });
    clock.advanceDays(3);
    people.forget();
    const res = await new ApiClient(haven.url).post<ErrorBody>(`/api/auth/invites/${invite.body.token}/accept`, {
      name: 'Too Late',
      password: 'a long enough password',
    });
    expect(res.status).toBe(410);
    expect(res.body.error.code).toBe('invite_expired');
  });

  it('refuses unknown tokens, duplicate emails and invitations from non-admins', async () => {
    const c = new ApiClient(haven.url);
    expect((await c.get<ErrorBody>(`/api/auth/invites/${'x'.repeat(43)}`)).status).toBe(404);
    const priya = await people.as('Priya');
    const dup = await priya.post<ErrorBody>('/api/invites', { email: haven.account('Jordan').email, agencyId: await councilId(), role: 'practitioner' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('email_in_use');
    const jordan = await people.as('Jordan');
    const notAdmin = await jordan.post<ErrorBody>('/api/invites', {
      email: 'x@childrens.northmoor.example',
      agencyId: await councilId(),
      role: 'practitioner',
    });
    expect(notAdmin.status).toBe(403);
    expect(notAdmin.body.error.code).toBe('not_an_admin');
  });

  it('self-registration refuses a weak password', async () => {
    const weak = await new ApiClient(haven.url).post<ErrorBody>('/api/auth/register', {
      email: 'weak@childrens.northmoor.example',
      name: 'Someone',
      password: 'short',
      agencyId: await councilId(),
    });
    expect(weak.status).toBe(400);
    expect(weak.body.error.issues?.[0]?.path).toBe('password');
  });
});

describe('registering an address that already has an account', () => {
  it('answers exactly as for a new address, leaves the account alone, and tells its owner (not the caller)', async () => {
    const agencyId = await councilId();
    const fresh = await new ApiClient(haven.url).post('/api/auth/register', {
      email: 'brand.new@childrens.northmoor.example',
      name: 'Brand New',
      password: 'a long enough password',
      agencyId,
    });
    const jordan = haven.account('Jordan');
    const existing = await new ApiClient(haven.url).post('/api/auth/register', {
      email: jordan.email.toUpperCase(),
      name: 'Someone Else',
      password: 'another long password',
      agencyId,
    });
    expect(fresh.status).toBe(201);
    expect({ status: existing.status, body: existing.body }).toEqual({ status: fresh.status, body: fresh.body });
    expect(existing.headers.get('content-length')).toBe(fresh.headers.get('content-length'));

    // Jordan's account is unchanged: same name, same password.
    people.forget();
    const owner = await people.as('Jordan');
    const session = await owner.get<{ session: { user: { name: string } } }>('/api/session');
    expect(session.body.session.user.name).toBe('Jordan Ellis');
    // Jordan is told, with the time and nothing about the caller.
    const notices = await owner.get<{ notices: Record<string, unknown>[] }>('/api/notices');
    const attempts = notices.body.notices.filter((n) => n.kind === 'registration_attempt');
    expect(attempts).toEqual([
      { id: expect.any(String), kind: 'registration_attempt', obligationId: null, round: null, createdAt: expect.any(String), read: false },
    ]);
    // Only Jordan can mark it read.
    const priya = await people.as('Priya');
    expect((await priya.post<ErrorBody>(`/api/notices/${String(attempts[0]?.id)}/read`)).status).toBe(404);
    expect((await owner.post(`/api/notices/${String(attempts[0]?.id)}/read`)).status).toBe(204);
    const after = await owner.get<{ notices: { kind: string; read: boolean }[] }>('/api/notices');
    expect(after.body.notices.filter((n) => n.kind === 'registration_attempt')).toEqual([expect.objectContaining({ read: true })]);

    const db = await rawClient(haven.database.url);
    const { rows } = await db.query<{ actor_id: string | null; subject_id: string; is_jordan: boolean }>(
      `select a.actor_id, a.subject_id, u.email = $1 as is_jordan from audit_entries a join users u on u.id::text = a.subject_id
        where a.action = 'account.registration_attempted'`,
      [jordan.email],
    );
    await db.end();
    expect(rows).toEqual([{ actor_id: null, subject_id: expect.any(String), is_jordan: true }]);
  });

  it('8 registrations of one new address at once: every caller gets the same answer, one account exists, nothing fails', async () => {
    const agencyId = await councilId();
    const clients = Array.from({ length: 8 }, () => new ApiClient(haven.url));
    await Promise.all(clients.map((c) => c.refreshCsrf()));
    const answers = await Promise.all(
      clients.map((c, i) =>
        c.post('/api/auth/register', { email: 'Twice.Keen@childrens.northmoor.example', name: `Keen ${i}`, password: 'a long enough password', agencyId }),
      ),
    );
    expect(answers.map((a) => ({ status: a.status, body: a.body }))).toEqual(Array(8).fill({ status: 201, body: { status: 'pending_verification' } }));
    const db = await rawClient(haven.database.url);
    const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from users where lower(email) = 'twice.keen@childrens.northmoor.example'`);
    await db.end();
    expect(rows[0]?.n).toBe(1);
  });
});

describe('agencies', () => {
  it('a system admin registers an agency and records that it signed the protocol', async () => {
    const sam = await people.as('Sam');
    const created = await sam.post<AgencyBody>('/api/agencies', {
      name: 'Northmoor Youth Offending Team',
      kind: 'youth_offending',
      contactEmail: 'yot@northmoor.example',
    });
    expect(created.status).toBe(201);
    expect(created.body.agency.protocolSigned).toBe(false);
    const signedOn = addMonths(localDate(clock.now()), -1);
    const signed = await sam.post<AgencyBody>(`/api/agencies/${created.body.agency.id}/protocol`, { signed: true, signedOn });
    expect(signed.body.agency).toMatchObject({ protocolSigned: true, protocolSignedOn: signedOn });
    const unsigned = await sam.post<AgencyBody>(`/api/agencies/${created.body.agency.id}/protocol`, { signed: false });
    expect(unsigned.body.agency).toMatchObject({ protocolSigned: false, protocolSignedOn: null });
    const listed = await sam.get<{ agencies: { name: string }[] }>('/api/agencies');
    expect(listed.body.agencies.map((a) => a.name)).toContain('Northmoor Youth Offending Team');
  });

  it('refuses duplicates, future signing dates, unknown agencies and non-system-admins', async () => {
    const sam = await people.as('Sam');
    expect((await sam.post<ErrorBody>('/api/agencies', { name: 'northmoor constabulary', kind: 'police' })).status).toBe(409);
    const id = await councilId();
    const future = await sam.post<ErrorBody>(`/api/agencies/${id}/protocol`, { signed: true, signedOn: addMonths(localDate(clock.now()), 2) });
    expect(future.status).toBe(400);
    expect(future.body.error.issues?.[0]?.path).toBe('signedOn');
    expect((await sam.post<ErrorBody>('/api/agencies/00000000-0000-4000-8000-000000000000/protocol', { signed: false })).status).toBe(404);
    const priya = await people.as('Priya');
    const refused = await priya.post<ErrorBody>('/api/agencies', { name: 'Another Agency', kind: 'voluntary' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('not_system_admin');
    expect((await priya.get<ErrorBody>('/api/agencies')).status).toBe(403);
  });

  it('8 agencies with one name at once: one is registered, the rest are refused with the reason, nothing fails', async () => {
    const sam = await people.as('Sam');
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => sam.post<ErrorBody>('/api/agencies', { name: 'Northmoor Racing Agency', kind: 'voluntary' })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    for (const refused of answers.filter((a) => a.status === 409)) expect(refused.body.error.code).toBe('agency_exists');
  });
});
