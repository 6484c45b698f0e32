import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../crypto';
import { ApiClient, type ApiResponse } from '../support/client';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';

// Argon2id runs in a pool of worker threads with a bounded queue, and every unauthenticated route
// that hashes a password is limited per address. One worker and one waiting place here, so a
// handful of attempts at once overflow it.
let haven: TestHaven;
beforeAll(async () => {
  haven = await startTestHaven({
    seedDemo: true,
    env: { HAVEN_TRUST_PROXY: '1', HAVEN_PASSWORD_WORKERS: '1', HAVEN_PASSWORD_QUEUE: '1', HAVEN_REGISTER_PER_ADDRESS_PER_HOUR: '2' },
  });
});
afterAll(() => haven.close());

let addresses = 0;
const fromNewAddress = () => new ApiClient(haven.url, `203.0.113.${++addresses}`);
type ErrorBody = { error: { code: string; message: string; retryAfterSeconds?: number } };

async function councilId(): Promise<string> {
  const dir = await new ApiClient(haven.url).get<{ agencies: { id: string; name: string }[] }>('/api/agencies/directory');
  const council = dir.body.agencies.find((a) => a.name.startsWith('Northmoor County Council'));
  if (!council) throw new Error('demo council missing');
  return council.id;
}

describe('password hashing off the event loop', () => {
  it('answers 503 with Retry-After when the hashing queue is full, and serves the rest', async () => {
    const attackers = Array.from({ length: 6 }, fromNewAddress);
    await Promise.all(attackers.map((c) => c.refreshCsrf()));
    const answers = await Promise.all(
      attackers.map((c, i) => c.post<ErrorBody>('/api/auth/sign-in', { email: `nobody.${i}@example.org`, password: 'not the password at all' })),
    );
    const busy = answers.filter((a) => a.status === 503);
    // One hashing, one waiting: the others are turned away at once (all four of them unless the
    // first hash finished before the last request arrived).
    expect(answers.filter((a) => a.status !== 503).map((a) => a.status)).toEqual(Array(6 - busy.length).fill(401));
    expect(busy.length).toBeGreaterThanOrEqual(3);
    for (const refused of busy) {
      expect(refused.body).toEqual({ error: { code: 'server_busy', message: expect.any(String), retryAfterSeconds: expect.any(Number) } });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // Afterwards the pool takes work again.
    const priya = haven.account('Priya');
    expect((await fromNewAddress().post('/api/auth/sign-in', { email: priya.email, password: priya.password })).status).toBe(200);
  });
});

describe('routes that hash a password are limited per address', () => {
  it('registration and invitation acceptance share a per-address limit', async () => {
    const agencyId = await councilId();
    const c = fromNewAddress();
    const register = (n: number) =>
      c.post<ErrorBody>('/api/auth/register', {
        email: `limit.${n}@childrens.northmoor.example`,
        name: `Limit ${n}`,
        password: 'a long enough password',
        agencyId,
      });
    expect((await register(1)).status).toBe(201);
    expect((await register(2)).status).toBe(201);
    const third: ApiResponse<ErrorBody> = await register(3);
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('too_many_registrations');
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);

    // An invitation accepted from the same address counts against the same limit.
    const token = randomBytes(32).toString('base64url');
    const db = await rawClient(haven.database.url);
    const { rows } = await db.query<{ id: string }>(`select id from users where role = 'agency_admin' limit 1`);
    await db.query(
      `insert into invites (token_hash, email, agency_id, role, created_by, created_at, expires_at)
       values ($1, 'invited.limit@childrens.northmoor.example', $2, 'practitioner', $3, now(), now() + interval '1 day')`,
      [hashToken(token), agencyId, rows[0]?.id],
    );
    await db.end();
    const accept = await c.post<ErrorBody>(`/api/auth/invites/${token}/accept`, { name: 'Invited Limit', password: 'a long enough password' });
    expect(accept.status).toBe(429);
    expect(accept.body.error.code).toBe('too_many_registrations');
    // From another address the invitation works.
    expect((await fromNewAddress().post(`/api/auth/invites/${token}/accept`, { name: 'Invited Limit', password: 'a long enough password' })).status).toBe(201);
  });
});
