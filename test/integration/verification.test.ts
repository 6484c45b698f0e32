import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../support/client';
import { TestClock, startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { totpCode } from '../support/totp';
import { addMonths, localDate } from '../../server/shared/clock';

let haven: TestHaven;
const clock = new TestClock();
beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true, clock: clock.now });
});
afterAll(() => haven.close());

type UserBody = {
  user: {
    id: string;
    status: string;
    role: string;
    agencyId: string;
    verification: { expiresOn: string; identityCheckedBy: string; verifiedBy: { name: string } } | null;
    suspension: { reason: string } | null;
  };
};
type SessionBody = { session: { sharing: { allowed: boolean; reasons: { code: string; message: string }[] } } };
type ErrorBody = { error: { code: string; message: string; issues?: { path: string; message: string }[] } };

const people = new People(() => haven, clock.now);
const signedIn = (name: string) => people.as(name);

/** 'connected', or the reason a socket with this session cookie was refused. */
function connectOutcome(cookie: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = io(haven.url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { cookie } });
    socket.once('connect', () => {
      socket.close();
      resolve('connected');
    });
    socket.once('connect_error', (error) => {
      socket.close();
      resolve(error.message);
    });
  });
}

async function usersByName(admin: ApiClient): Promise<Map<string, UserBody['user'] & { name: string }>> {
  const res = await admin.get<{ users: (UserBody['user'] & { name: string })[] }>('/api/users?status=all');
  expect(res.status).toBe(200);
  return new Map(res.body.users.map((u) => [u.name, u]));
}

/** A user who registers themselves into an agency and enrols their second factor. */
async function registerAndEnrol(agencyName: string, email: string): Promise<{ client: ApiClient; id: string }> {
  const c = new ApiClient(haven.url);
  const directory = await c.get<{ agencies: { id: string; name: string }[] }>('/api/agencies/directory');
  const agency = directory.body.agencies.find((a) => a.name === agencyName);
  expect((await c.post('/api/auth/register', { email, name: `Person ${email}`, password: 'a long enough password', agencyId: agency?.id })).status).toBe(201);
  await c.post('/api/auth/sign-in', { email, password: 'a long enough password' });
  const start = await c.post<{ secret: string }>('/api/auth/enrolment/start');
  const done = await c.post<{ session: { user: { id: string } } }>('/api/auth/enrolment/confirm', { code: totpCode(start.body.secret, clock.now()) });
  expect(done.status).toBe(200);
  return { client: c, id: done.body.session.user.id };
}

const today = () => localDate(clock.now());
const validVerification = () => ({
  role: 'practitioner',
  identityCheckedBy: 'Priya Natarajan',
  identityCheckedOn: today(),
  vettingCheckedOn: today(),
  trainingCompletedOn: today(),
});

describe('an agency admin verifies a user of their own agency', () => {
  it('records who checked identity and when, and sets expiry at the earliest renewal', async () => {
    const priya = await signedIn('Priya');
    const { client: newcomer, id } = await registerAndEnrol("Northmoor County Council Children's Services", 'new.worker@childrens.northmoor.example');
    const before = await newcomer.get<SessionBody>('/api/session');
    expect(before.body.session.sharing.reasons.map((r) => r.code)).toEqual(['not_verified']);

    const trainingOn = addMonths(today(), -23);
    const res = await priya.post<UserBody>(`/api/users/${id}/verify`, { ...validVerification(), role: 'designated_officer', trainingCompletedOn: trainingOn });
    expect(res.status).toBe(200);
    expect(res.body.user.status).toBe('verified');
    expect(res.body.user.role).toBe('designated_officer');
    expect(res.body.user.verification).toMatchObject({
      identityCheckedBy: 'Priya Natarajan',
      verifiedBy: { name: 'Priya Natarajan' },
      expiresOn: addMonths(trainingOn, 24),
    });

    const after = await newcomer.get<SessionBody>('/api/session');
    expect(after.body.session.sharing).toEqual({ allowed: true, reasons: [] });
  });

  it('refuses users of another agency, roles it cannot grant, and self-verification', async () => {
    const priya = await signedIn('Priya');
    const sam = await signedIn('Sam');
    const users = await usersByName(sam);
    const morgan = users.get('Morgan Reid');
    const otherAgency = await priya.post<ErrorBody>(`/api/users/${morgan?.id}/verify`, validVerification());
    expect(otherAgency.status).toBe(403);
    expect(otherAgency.body.error.code).toBe('other_agency');

    const { id } = await registerAndEnrol("Northmoor County Council Children's Services", 'wants.admin@childrens.northmoor.example');
    const tooHigh = await priya.post<ErrorBody>(`/api/users/${id}/verify`, { ...validVerification(), role: 'agency_admin' });
    expect(tooHigh.status).toBe(403);
    expect(tooHigh.body.error.code).toBe('role_not_grantable');

    const self = await priya.post<ErrorBody>(`/api/users/${users.get('Priya Natarajan')?.id}/verify`, validVerification());
    expect(self.status).toBe(403);
    expect(self.body.error.code).toBe('self_verification');
  });

  it('agency admins see only their own agency in the user list', async () => {
    const priya = await signedIn('Priya');
    const users = await usersByName(priya);
    expect(users.has('Jordan Ellis')).toBe(true);
    expect(users.has('Morgan Reid')).toBe(false);
    const sam = await signedIn('Sam');
    const policeId = (await usersByName(sam)).get('Morgan Reid')?.agencyId;
    expect((await priya.get<ErrorBody>(`/api/users?agencyId=${policeId}`)).status).toBe(403);
  });

  it('refuses dates in the future or already due for renewal, naming the field', async () => {
    const priya = await signedIn('Priya');
    const { id } = await registerAndEnrol("Northmoor County Council Children's Services", 'dates@childrens.northmoor.example');
    const future = await priya.post<ErrorBody>(`/api/users/${id}/verify`, { ...validVerification(), vettingCheckedOn: addMonths(today(), 1) });
    expect(future.status).toBe(400);
    expect(future.body.error.issues?.[0]?.path).toBe('vettingCheckedOn');
    const lapsed = await priya.post<ErrorBody>(`/api/users/${id}/verify`, { ...validVerification(), trainingCompletedOn: addMonths(today(), -25) });
    expect(lapsed.status).toBe(400);
    expect(lapsed.body.error.issues?.[0]?.message).toMatch(/due for renewal/);
    const notADate = await priya.post<ErrorBody>(`/api/users/${id}/verify`, { ...validVerification(), identityCheckedOn: '2026-02-30' });
    expect(notADate.status).toBe(400);
    expect(notADate.body.error.issues?.[0]?.path).toBe('identityCheckedOn');
  });
});

describe('agencies that have not signed the protocol', () => {
  it('refuses self-registration into them, saying existing arrangements apply', async () => {
    const c = new ApiClient(haven.url);
    const directory = await c.get<{ agencies: { id: string; name: string; protocolSigned: boolean }[] }>('/api/agencies/directory');
    const unsigned = directory.body.agencies.find((a) => !a.protocolSigned);
    const res = await c.post<ErrorBody>('/api/auth/register', {
      email: 'teacher@riverside.example',
      name: 'A Teacher',
      password: 'a long enough password',
      agencyId: unsigned?.id,
    });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/existing \(non-protocol\) arrangements/);
  });

  it('refuses to verify their staff (invited by a system admin), saying existing arrangements apply', async () => {
    const sam = await signedIn('Sam');
    const agencies = await sam.get<{ agencies: { id: string; protocolSigned: boolean }[] }>('/api/agencies');
    const unsigned = agencies.body.agencies.find((a) => !a.protocolSigned);
    const invite = await sam.post<{ token: string }>('/api/invites', { email: 'head@riverside.example', agencyId: unsigned?.id, role: 'practitioner' });
    expect(invite.status).toBe(201);
    const newcomer = new ApiClient(haven.url);
    expect((await newcomer.post(`/api/auth/invites/${invite.body.token}/accept`, { name: 'Head Teacher', password: 'a long enough password' })).status).toBe(
      201,
    );
    const users = await usersByName(sam);
    const res = await sam.post<ErrorBody>(`/api/users/${users.get('Head Teacher')?.id}/verify`, validVerification());
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('agency_not_signatory');
    expect(res.body.error.message).toMatch(/existing \(non-protocol\) arrangements/);
  });
});

describe('suspension, reinstatement and expiry', () => {
  it('suspending a user signs them out everywhere at once; they can sign in again but cannot share or connect; reinstating restores both', async () => {
    const priya = await signedIn('Priya');
    const jordanId = (await usersByName(priya)).get('Jordan Ellis')?.id;
    const before = await signedIn('Jordan');
    const socket = before.socket();
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
    const ended = new Promise((resolve) => socket.once('session:ended', resolve));

    const suspended = await priya.post<UserBody>(`/api/users/${jordanId}/suspend`, { reason: 'Left the team pending investigation' });
    expect(suspended.body.user.status).toBe('suspended');
    expect(suspended.body.user.suspension?.reason).toBe('Left the team pending investigation');
    // The live connection is told why and closed, and the session no longer exists.
    expect(await ended).toEqual({ reason: 'suspended' });
    await vi.waitFor(() => expect(socket.connected).toBe(false));
    socket.close();
    expect((await before.get<{ session: unknown }>('/api/session')).body.session).toBeNull();

    clock.advanceSeconds(31);
    people.forget();
    const jordan = await signedIn('Jordan');
    expect(await connectOutcome(jordan.cookieHeader())).toBe('unauthorised');
    const session = await jordan.get<SessionBody>('/api/session');
    expect(session.body.session.sharing.allowed).toBe(false);
    expect(session.body.session.sharing.reasons).toEqual([{ code: 'suspended', message: expect.stringMatching(/suspended/) }]);

    expect((await priya.post<ErrorBody>(`/api/users/${jordanId}/suspend`, { reason: 'again' })).body.error.code).toBe('already_suspended');
    const reinstated = await priya.post<UserBody>(`/api/users/${jordanId}/reinstate`, { reason: 'Investigation closed' });
    expect(reinstated.body.user.status).toBe('verified');
    expect((await jordan.get<SessionBody>('/api/session')).body.session.sharing.allowed).toBe(true);
    expect(await connectOutcome(jordan.cookieHeader())).toBe('connected');
  });

  it('an agency admin cannot suspend an admin or themselves', async () => {
    const priya = await signedIn('Priya');
    const sam = await signedIn('Sam');
    const users = await usersByName(sam);
    expect((await priya.post<ErrorBody>(`/api/users/${users.get('Priya Natarajan')?.id}/suspend`, { reason: 'test' })).body.error.code).toBe('self_suspension');
    expect((await priya.post<ErrorBody>(`/api/users/${users.get('Sam Okafor')?.id}/suspend`, { reason: 'test' })).status).toBe(403);
  });

  it('verification expires at the renewal date: the user can read but every share is refused', async () => {
    expect((await (await signedIn('Jordan')).get<SessionBody>('/api/session')).body.session.sharing.allowed).toBe(true);
    clock.advanceDays(366 * 2); // past the 24-month training renewal of the seeded verification
    people.forget(); // sessions last hours, not years
    const jordan = await signedIn('Jordan');
    const res = await jordan.get<SessionBody & { session: { user: { status: string } } }>('/api/session');
    expect(res.body.session.user.status).toBe('expired');
    expect(res.body.session.sharing.reasons.map((r) => r.code)).toEqual(['verification_expired']);
    // An expired admin cannot administer either.
    const priya = await signedIn('Priya');
    expect((await priya.get<ErrorBody>('/api/users')).body.error.code).toBe('actor_not_verified');
  });
});
