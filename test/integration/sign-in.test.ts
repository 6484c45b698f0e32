import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiClient, type ApiResponse } from '../support/client';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { totpCode } from '../support/totp';

let haven: TestHaven;
beforeAll(async () => {
  haven = await startTestHaven({
    seedDemo: true,
    // One trusted proxy: each attacker below signs in from an address of its own (X-Forwarded-For).
    env: {
      HAVEN_TRUST_PROXY: '1',
      HAVEN_SIGNIN_FREE_FAILURES: '3',
      HAVEN_SIGNIN_MAX_DELAY_SECONDS: '8',
      HAVEN_LOCKOUT_THRESHOLD: '8',
      HAVEN_LOCKOUT_MINUTES: '15',
    },
  });
});
afterAll(() => haven.close());

const client = () => new ApiClient(haven.url);
let addresses = 0;
/** A client at an address no other test uses. */
const fromNewAddress = () => new ApiClient(haven.url, `198.51.100.${++addresses}`);
const unknownEmail = () => `nobody.${randomBytes(4).toString('hex')}@childrens.northmoor.example`;
const WRONG = 'not the password at all';

/** What a caller sees of an answer; the seconds in it are compared separately (they count down while a test runs). */
function answer(res: ApiResponse) {
  return { status: res.status, body: JSON.stringify(res.body).replace(/\d+/g, 'N'), retryAfter: Number(res.headers.get('retry-after') ?? 0) };
}

/** As if every wait had passed: the attacker in these tests does not sleep. */
async function endWaits(): Promise<void> {
  const db = await rawClient(haven.database.url);
  await db.query(`update rate_limits set expire = to_timestamp(0) where key like 'signin-delay:%'`);
  await db.end();
}

async function auditCount(action: string): Promise<number> {
  const db = await rawClient(haven.database.url);
  const { rows } = await db.query<{ n: number }>('select count(*)::int as n from audit_entries where action = $1', [action]);
  await db.end();
  return rows[0]?.n ?? 0;
}
type SessionBody = { session: { stage: string; user: { email: string; status: string }; sharing: { allowed: boolean; reasons: { code: string }[] } } | null };

describe('sign-in with two factors', () => {
  it('asks for the second factor after the password, and only then is the session active', async () => {
    const jordan = haven.account('Jordan');
    const c = client();
    const first = await c.post<SessionBody>('/api/auth/sign-in', { email: jordan.email.toUpperCase(), password: jordan.password });
    expect(first.status).toBe(200);
    expect(first.body.session?.stage).toBe('mfa_required');
    // Half signed-in sessions cannot use the API.
    expect((await c.get('/api/agencies')).status).toBe(401);
    const second = await c.post<SessionBody>('/api/auth/mfa', { code: totpCode(jordan.totpSecret ?? '') });
    expect(second.status).toBe(200);
    expect(second.body.session?.stage).toBe('active');
    expect(second.body.session?.sharing).toEqual({ allowed: true, reasons: [] });
    const session = await c.get<SessionBody>('/api/session');
    expect(session.body.session?.user.email).toBe(jordan.email);
  });

  it('sets the session cookie httpOnly and SameSite=Strict, and replaces it after the second factor', async () => {
    const morgan = haven.account('Morgan');
    const c = client();
    const first = await c.post('/api/auth/sign-in', { email: morgan.email, password: morgan.password });
    const firstCookie = first.headers.getSetCookie().find((h) => h.startsWith('haven_session='));
    expect(firstCookie).toMatch(/HttpOnly/);
    expect(firstCookie).toMatch(/SameSite=Strict/);
    expect(firstCookie).not.toMatch(/Secure/);
    const halfToken = c.cookie('haven_session');
    await c.post('/api/auth/mfa', { code: totpCode(morgan.totpSecret ?? '') });
    expect(c.cookie('haven_session')).not.toBe(halfToken);
    // The half-signed-in token is dead.
    const stale = new ApiClient(haven.url);
    await stale.request('GET', '/api/session', undefined, { headers: { cookie: `haven_session=${halfToken}` } });
    const res = await stale.request<SessionBody>('GET', '/api/session', undefined, { headers: { cookie: `haven_session=${halfToken}` } });
    expect(res.body.session).toBeNull();
  });

  it('refuses a wrong password and a wrong code with clear errors', async () => {
    const ruth = haven.account('Ruth');
    const wrong = await client().post('/api/auth/sign-in', { email: ruth.email, password: WRONG });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: { code: 'invalid_credentials', message: expect.any(String) } });
    const unknown = await client().post('/api/auth/sign-in', { email: 'nobody@nowhere.example', password: 'whatever whatever' });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);

    const c = client();
    await c.post('/api/auth/sign-in', { email: ruth.email, password: ruth.password });
    const badCode = await c.post('/api/auth/mfa', { code: '000000' === totpCode(ruth.totpSecret ?? '') ? '111111' : '000000' });
    expect(badCode.status).toBe(401);
    expect((badCode.body as { error: { code: string } }).error.code).toBe('invalid_code');
  });

  it('does the same work for a wrong password whether or not the account exists (one audit entry each)', async () => {
    const before = await auditCount('auth.sign_in.failed');
    expect((await fromNewAddress().post('/api/auth/sign-in', { email: haven.account('Ruth').email, password: WRONG })).status).toBe(401);
    expect(await auditCount('auth.sign_in.failed')).toBe(before + 1);
    expect((await fromNewAddress().post('/api/auth/sign-in', { email: unknownEmail(), password: WRONG })).status).toBe(401);
    expect(await auditCount('auth.sign_in.failed')).toBe(before + 2);
  });

  it('refuses a code that was already used (no replay)', async () => {
    const alex = haven.account('Alex');
    const code = totpCode(alex.totpSecret ?? '');
    const a = client();
    await a.post('/api/auth/sign-in', { email: alex.email, password: alex.password });
    expect((await a.post('/api/auth/mfa', { code })).status).toBe(200);
    const b = client();
    await b.post('/api/auth/sign-in', { email: alex.email, password: alex.password });
    const replay = await b.post('/api/auth/mfa', { code });
    expect(replay.status).toBe(401);
  });

  it('makes one address wait, doubling, after a few failures; the account still signs in from elsewhere; an unknown address is answered alike', async () => {
    const morgan = haven.account('Morgan');
    const attack = async (email: string) => {
      const attacker = fromNewAddress();
      const seen: ApiResponse[] = [];
      const attempt = async () => seen.push(await attacker.post('/api/auth/sign-in', { email, password: WRONG }));
      for (let i = 0; i < 3; i += 1) await attempt();
      for (let round = 0; round < 4; round += 1) {
        await attempt();
        await endWaits();
        await attempt();
      }
      await attempt();
      return { attacker, seen };
    };
    const real = await attack(morgan.email);
    expect(real.seen.map((r) => r.status)).toEqual([401, 401, 401, 429, 401, 429, 401, 429, 401, 429, 401, 429]);
    const waits = real.seen.filter((r) => r.status === 429);
    expect(waits[0]?.body).toMatchObject({ error: { code: 'too_many_attempts', retryAfterSeconds: expect.any(Number) } });
    // 2 s after the third failure, doubling with each further one, capped at 8 s (a second may pass while the test runs).
    const retryAfter = waits.map((r) => Number(r.headers.get('retry-after')));
    [2, 4, 8, 8, 8].forEach((expected, i) => {
      expect(retryAfter[i]).toBeOneOf([expected, expected - 1]);
    });
    // Even the right password waits at that address; from anywhere else Morgan gets in.
    expect((await real.attacker.post('/api/auth/sign-in', { email: morgan.email, password: morgan.password })).status).toBe(429);
    expect((await fromNewAddress().post('/api/auth/sign-in', { email: morgan.email, password: morgan.password })).status).toBe(200);

    const unknown = await attack(unknownEmail());
    expect(unknown.seen.map(answer).map(({ status, body }) => ({ status, body }))).toEqual(real.seen.map(answer).map(({ status, body }) => ({ status, body })));
  });

  it('counts wrong two-factor codes like wrong passwords', async () => {
    const alex = haven.account('Alex');
    const c = fromNewAddress();
    expect((await c.post('/api/auth/sign-in', { email: alex.email, password: alex.password })).status).toBe(200);
    const code = totpCode(alex.totpSecret ?? '');
    const wrongCode = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i += 1) expect((await c.post('/api/auth/mfa', { code: wrongCode })).status).toBe(401);
    const waiting = await c.post('/api/auth/mfa', { code });
    expect(waiting.status).toBe(429);
    expect(waiting.body).toMatchObject({ error: { code: 'too_many_attempts' } });
    expect((await c.post('/api/auth/sign-in', { email: alex.email, password: alex.password })).status).toBe(429);
  });

  it('locks an account only at the account-wide count, alerts its agency admin, and locks an unknown address alike', async () => {
    const agencies = await client().get<{ agencies: { id: string; name: string }[] }>('/api/agencies/directory');
    const council = agencies.body.agencies.find((a) => a.name.startsWith('Northmoor County Council'));
    const email = `locked.${randomBytes(4).toString('hex')}@childrens.northmoor.example`;
    const password = 'a long enough password';
    expect((await client().post('/api/auth/register', { email, name: 'Lee Locked', password, agencyId: council?.id })).status).toBe(201);
    const lockOut = async (target: string) => {
      const seen: ApiResponse[] = [];
      // Eight addresses, one failure each: no address waits, but the account's count reaches 8.
      for (let i = 0; i < 8; i += 1) seen.push(await fromNewAddress().post('/api/auth/sign-in', { email: target, password: WRONG }));
      seen.push(await fromNewAddress().post('/api/auth/sign-in', { email: target, password }));
      return seen;
    };
    const real = await lockOut(email);
    expect(real.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 401, 401, 401, 423]);
    expect(real[8]?.body).toMatchObject({ error: { code: 'account_locked', retryAfterSeconds: expect.any(Number) } });
    expect(Number(real[8]?.headers.get('retry-after'))).toBeGreaterThan(800);
    const unknown = await lockOut(unknownEmail());
    expect(unknown.map(answer).map(({ status, body }) => ({ status, body }))).toEqual(real.map(answer).map(({ status, body }) => ({ status, body })));

    const db = await rawClient(haven.database.url);
    const { rows } = await db.query<{ id: string }>('select id from users where email = $1', [email]);
    await db.end();
    const priya = client();
    expect((await priya.signIn(haven.account('Priya'))).status).toBe(200);
    const alerts = await priya.get<{ alerts: { kind: string; actor: { id: string; name: string } }[] }>('/api/alerts');
    expect(alerts.body.alerts.filter((a) => a.kind === 'account_locked')).toEqual([
      expect.objectContaining({ kind: 'account_locked', actor: { id: rows[0]?.id, name: 'Lee Locked' } }),
    ]);
  });

  it('records sign-ins, failures and lockouts in the audit log', async () => {
    const client = await rawClient(haven.database.url);
    const { rows } = await client.query<{ action: string }>('select action from audit_entries');
    await client.end();
    const actions = rows.map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining(['auth.sign_in.succeeded', 'auth.sign_in.failed', 'auth.sign_in.locked_out', 'auth.mfa.succeeded', 'auth.mfa.failed']),
    );
  });
});

describe('two-factor enrolment', () => {
  it('makes a user without a second factor enrol before anything else, with an otpauth URI and QR code', async () => {
    const taylor = haven.account('Taylor');
    const c = client();
    const first = await c.post<SessionBody>('/api/auth/sign-in', { email: taylor.email, password: taylor.password });
    expect(first.body.session?.stage).toBe('enrolment_required');
    expect((await c.post('/api/auth/mfa', { code: '123456' })).status).toBe(401);
    const start = await c.post<{ otpauthUri: string; qrSvg: string; secret: string }>('/api/auth/enrolment/start');
    expect(start.status).toBe(200);
    expect(start.body.otpauthUri).toMatch(/^otpauth:\/\/totp\/Haven:.*secret=[A-Z2-7]+/);
    expect(start.body.qrSvg).toMatch(/^<svg/);
    const confirmed = await c.post<SessionBody>('/api/auth/enrolment/confirm', { code: totpCode(start.body.secret) });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.session?.stage).toBe('active');
    // Signed in but not verified: sharing is refused with the reason.
    expect(confirmed.body.session?.sharing.allowed).toBe(false);
    expect(confirmed.body.session?.sharing.reasons.map((r) => r.code)).toEqual(['not_verified']);
    // Enrolment cannot be restarted from an active session.
    expect((await c.post('/api/auth/enrolment/start')).status).toBe(401);
  });
});

describe('CSRF protection', () => {
  it('refuses state-changing requests without the token, or with the wrong one', async () => {
    const jordan = haven.account('Jordan');
    const c = client();
    const noToken = await c.request('POST', '/api/auth/sign-in', { email: jordan.email, password: jordan.password }, { csrf: false });
    expect(noToken.status).toBe(403);
    expect(noToken.body).toMatchObject({ error: { code: 'csrf_token_invalid' } });
    await c.refreshCsrf();
    const wrong = await c.request(
      'POST',
      '/api/auth/sign-in',
      { email: jordan.email, password: jordan.password },
      { headers: { 'x-csrf-token': 'x'.repeat(43) }, csrf: false },
    );
    expect(wrong.status).toBe(403);
  });
});

describe('signing out', () => {
  it('signs out one session, and signs out everywhere (ending sockets too)', async () => {
    const sam = haven.account('Sam');
    const laptop = client();
    const phone = client();
    expect((await laptop.signIn(sam)).status).toBe(200);
    expect((await phone.signIn(sam)).status).toBe(200);
    const socket = phone.socket();
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
    const ended = vi.fn();
    socket.on('session:ended', ended);

    expect((await laptop.post('/api/auth/sign-out-everywhere')).status).toBe(204);
    await vi.waitFor(() => expect(ended).toHaveBeenCalledWith({ reason: 'signed_out_everywhere' }));
    await vi.waitFor(() => expect(socket.connected).toBe(false));
    expect((await phone.get<SessionBody>('/api/session')).body.session).toBeNull();
    expect((await laptop.get<SessionBody>('/api/session')).body.session).toBeNull();
    socket.close();
  });
});

describe('Secure cookies over https', () => {
  it('marks cookies Secure when PUBLIC_URL is https', async () => {
    const https = await startTestHaven({ env: { PUBLIC_URL: 'https://haven.example.org' } });
    try {
      const res = await new ApiClient(https.url).get('/api/session');
      expect(res.headers.getSetCookie().join('\n')).toMatch(/haven_csrf=.*; Secure/);
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age/);
    } finally {
      await https.close();
    }
  });
});

describe('sign-in throttling per address', () => {
  it('answers 429 with Retry-After once an address exceeds its attempts per minute', async () => {
    const strict = await startTestHaven({ env: { HAVEN_SIGNIN_PER_ADDRESS_PER_MINUTE: '3' } });
    try {
      const c = new ApiClient(strict.url);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await c.post('/api/auth/sign-in', { email: `someone${i}@example.org`, password: 'wrong password' })).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await strict.close();
    }
  });

  it('counts password-reset requests against the same budget: one client cannot ask for links for address after address', async () => {
    const strict = await startTestHaven({ env: { HAVEN_SIGNIN_PER_ADDRESS_PER_MINUTE: '3' } });
    try {
      const c = new ApiClient(strict.url);
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await c.post<{ error?: { code: string } }>('/api/auth/password-reset', { email: `someone${i}@example.org` }));
      expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 429, 429]);
      expect(answers[3]?.body.error?.code).toBe('too_many_attempts');
      expect(answers[3]?.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      await strict.close();
    }
  });
});
