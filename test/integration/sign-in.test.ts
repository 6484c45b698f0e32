import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../support/client';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { totpCode } from '../support/totp';

let haven: TestHaven;
beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true, env: { HAVEN_LOCKOUT_THRESHOLD: '3', HAVEN_LOCKOUT_MINUTES: '15' } });
});
afterAll(() => haven.close());

const client = () => new ApiClient(haven.url);
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
    const wrong = await client().post('/api/auth/sign-in', { email: ruth.email, password: 'not the password at all' });
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

  it('locks the account temporarily after repeated failures, even for the right password', async () => {
    const priya = haven.account('Priya');
    for (let i = 0; i < 3; i++) {
      expect((await client().post('/api/auth/sign-in', { email: priya.email, password: `wrong password ${i}` })).status).toBe(401);
    }
    const locked = await client().post('/api/auth/sign-in', { email: priya.email, password: priya.password });
    expect(locked.status).toBe(423);
    expect(locked.body).toMatchObject({ error: { code: 'account_locked', retryAfterSeconds: expect.any(Number) } });
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
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
});
