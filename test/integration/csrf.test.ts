import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type ApiResponse } from '../support/client';
import { startTestHaven, type TestHaven } from '../support/haven';

let haven: TestHaven;
let jordan: ApiClient;
let lilyId = '';
beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true });
  jordan = await signedIn('Jordan');
  lilyId = (await jordan.get<{ children: { id: string }[] }>('/api/children?name=Lily+Hartwell')).body.children[0]?.id ?? '';
});
afterAll(() => haven.close());

async function signedIn(name: string): Promise<ApiClient> {
  const client = new ApiClient(haven.url);
  expect((await client.signIn(haven.account(name))).status).toBe(200);
  return client;
}

/** Opens Lily's record (a state-changing, audited request) with exactly these cookies and this token. */
function openLily(cookies: Record<string, string | undefined>, token: string | null): Promise<ApiResponse<{ error?: { code: string } }>> {
  const cookie = Object.entries(cookies)
    .filter((pair): pair is [string, string] => pair[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
  return new ApiClient(haven.url).request(
    'POST',
    `/api/children/${lilyId}/open`,
    { reason: 'CSRF test' },
    {
      csrf: false,
      headers: { cookie, ...(token === null ? {} : { 'x-csrf-token': token }) },
    },
  );
}

describe('CSRF tokens are bound to the session', () => {
  it('accepts the token Haven gave this session, from its session answer', async () => {
    const { csrfToken } = (await jordan.get<{ csrfToken: string }>('/api/session')).body;
    const res = await openLily({ haven_session: jordan.cookie('haven_session') }, csrfToken);
    expect(res.status).toBe(200);
  });

  it('refuses a cookie-and-header pair planted from elsewhere (the double-submit weakness), with the victim’s session', async () => {
    // The attacker's own token pair, e.g. set as a cookie from a sibling subdomain.
    const attacker = new ApiClient(haven.url);
    await attacker.refreshCsrf();
    const planted = attacker.cookie('haven_csrf');
    expect(planted).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const res = await openLily({ haven_session: jordan.cookie('haven_session'), haven_csrf: planted }, planted ?? '');
    expect(res.status).toBe(403);
    expect(res.body.error?.code).toBe('csrf_token_invalid');
  });

  it('refuses another session’s token, including the same user’s earlier session, and no token at all', async () => {
    const first = await signedIn('Morgan');
    const oldToken = (await first.get<{ csrfToken: string }>('/api/session')).body.csrfToken;
    expect((await first.post('/api/auth/sign-out')).status).toBe(204);
    const second = await signedIn('Morgan');
    const sam = await signedIn('Sam');
    const samToken = (await sam.get<{ csrfToken: string }>('/api/session')).body.csrfToken;
    for (const token of [oldToken, samToken, null]) {
      const res = await openLily({ haven_session: second.cookie('haven_session'), haven_csrf: second.cookie('haven_csrf') }, token);
      expect(res.status, String(token)).toBe(403);
      expect(res.body.error?.code).toBe('csrf_token_invalid');
    }
  });

  it('hands the new session its token with the sign-in answer, so the next request needs no extra round trip', async () => {
    const client = new ApiClient(haven.url);
    const account = haven.account('Ruth');
    const first = await client.post<{ csrfToken: string }>('/api/auth/sign-in', { email: account.email, password: account.password });
    expect(first.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await client.get<{ csrfToken: string }>('/api/session')).body.csrfToken).toBe(first.body.csrfToken);
  });
});
