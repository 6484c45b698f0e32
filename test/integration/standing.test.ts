import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity, ready } from '../../crypto';
import type { OpenApiDocument } from '../../server/openapi/document';
import { ApiClient } from '../support/client';
import { startTestHaven, type TestHaven } from '../support/haven';
import { publishKeys } from '../support/keys';
import { People } from '../support/people';
import { totpCode } from '../support/totp';

// Rights that outlive their reason: a suspended user may only sign out; a user no admin has
// verified yet may only finish enrolling (two-factor, encryption keys) and look after their own account.
let haven: TestHaven;
const people = new People(() => haven);
let suspended: ApiClient;
let unverified: ApiClient;
let operations: { method: string; path: string }[] = [];

/** Routes that need no session at all: a session's standing does not change what they answer. */
const PUBLIC = new Set([
  'POST /api/auth/sign-in',
  'POST /api/auth/mfa',
  'POST /api/auth/enrolment/start',
  'POST /api/auth/enrolment/confirm',
  // Passkeys standing in for the password or the code: signing in, like the two routes above.
  'POST /api/auth/passkey/options',
  'POST /api/auth/passkey',
  'POST /api/auth/passkey-sign-in/options',
  'POST /api/auth/passkey-sign-in',
  'POST /api/auth/register',
  'GET /api/auth/invites/{token}',
  'POST /api/auth/invites/{token}/accept',
  'GET /api/agencies/directory',
  'GET /api/health',
  'GET /api/openapi.json',
  'GET /api/docs',
  'GET /api/docs/style.css',
  'GET /api/docs/formats/{name}',
]);
const SIGN_OUT = ['GET /api/session', 'POST /api/auth/sign-out', 'POST /api/auth/sign-out-everywhere'];
const OWN_ACCOUNT = [
  ...SIGN_OUT,
  'GET /api/keys/me',
  'PUT /api/keys/me',
  'GET /api/keys/backup',
  'GET /api/keys/backup/status',
  'PUT /api/keys/backup',
  'GET /api/notices',
  'POST /api/notices/{id}/read',
  'GET /api/me/passkeys',
  'POST /api/me/passkeys/options',
  'POST /api/me/passkeys',
  'DELETE /api/me/passkeys/{id}',
  'GET /api/me/mfa-recovery',
  'POST /api/me/mfa-recovery/cancel',
];

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  const sam = await people.as('Sam');
  const jordanId = (await (await people.as('Jordan')).get<{ session: { user: { id: string } } }>('/api/session')).body.session.user.id;
  expect((await sam.post(`/api/users/${jordanId}/suspend`, { reason: 'Standing test' })).status).toBe(200);
  // Suspension ended Jordan's sessions; he signs in again with his password and code.
  suspended = new ApiClient(haven.url);
  expect((await suspended.signIn(haven.account('Jordan'))).status).toBe(200);
  expect((await suspended.get<{ session: { stage: string; user: { status: string } } }>('/api/session')).body.session).toMatchObject({
    stage: 'active',
    user: { status: 'suspended' },
  });
  unverified = new ApiClient(haven.url);
  await unverified.post('/api/auth/sign-in', { email: haven.account('Taylor').email, password: haven.account('Taylor').password });
  const start = await unverified.post<{ secret: string }>('/api/auth/enrolment/start');
  expect((await unverified.post('/api/auth/enrolment/confirm', { code: totpCode(start.body.secret) })).status).toBe(200);
  const document = (await new ApiClient(haven.url).get<OpenApiDocument>('/api/openapi.json')).body;
  operations = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => ({ method: method.toUpperCase(), path })));
});
afterAll(() => haven.close());

/** Calls a documented route with an id of the right shape in each path parameter and an empty body. */
function call(client: ApiClient, { method, path }: { method: string; path: string }) {
  const concrete = path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'token' ? 't'.repeat(43) : randomUUID()));
  return client.request(method, concrete, method === 'GET' ? undefined : {});
}

async function reachable(client: ApiClient, allowed: string[]): Promise<string[]> {
  const reached: string[] = [];
  for (const operation of operations) {
    const key = `${operation.method} ${operation.path}`;
    if (PUBLIC.has(key) || allowed.includes(key)) continue;
    const res = await call(client, operation);
    if (![401, 403].includes(res.status)) reached.push(`${key}: ${res.status}`);
  }
  return reached;
}

describe('what a session can reach, by its user’s standing', () => {
  it('covers every documented route', () => {
    expect(operations.length).toBeGreaterThan(70);
    for (const key of [...PUBLIC, ...OWN_ACCOUNT]) expect(operations.map((o) => `${o.method} ${o.path}`)).toContain(key);
  });

  it('a suspended user reaches nothing but sign-out (and their session, which says they are suspended)', async () => {
    expect(await reachable(suspended, SIGN_OUT)).toEqual([]);
    const threads = await suspended.get<{ error: { code: string } }>('/api/threads');
    expect(threads.status).toBe(403);
    expect(threads.body.error.code).toBe('suspended');
    expect((await publishKeys(suspended, generateIdentity())).status).toBe(403);
  });

  it('an unverified user reaches only enrolment and their own account: keys and key backup', async () => {
    expect(await reachable(unverified, OWN_ACCOUNT)).toEqual([]);
    const threads = await unverified.get<{ error: { code: string } }>('/api/threads');
    expect(threads.body.error.code).toBe('not_verified');
    // Keys are part of enrolling: the admin checks their fingerprint when verifying.
    expect((await publishKeys(unverified, generateIdentity())).status).toBe(201);
    expect((await unverified.get<{ keys: { fingerprint: string } }>('/api/keys/me')).body.keys.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('neither connects a socket', async () => {
    for (const client of [suspended, unverified]) {
      const socket = client.socket();
      const outcome = await new Promise<string>((resolve) => {
        socket.once('connect', () => resolve('connected'));
        socket.once('connect_error', (e) => resolve(e.message));
      });
      socket.close();
      expect(outcome).toBe('unauthorised');
    }
  });

  it('a suspended user can still sign out', async () => {
    expect((await suspended.post('/api/auth/sign-out')).status).toBe(204);
    expect((await suspended.get<{ session: unknown }>('/api/session')).body.session).toBeNull();
  });
});
