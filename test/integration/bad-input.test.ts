import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/client';
import { expectClearClientError } from '../support/clear-error';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { clientEventSchemas } from '../../server/realtime/events';

let haven: TestHaven;
const people = new People(() => haven);
const SOME_ID = '00000000-0000-4000-8000-000000000000';
beforeAll(async () => {
  // Generous throttling: this file hammers sign-in on purpose.
  haven = await startTestHaven({
    seedDemo: true,
    env: {
      HAVEN_SIGNIN_PER_ADDRESS_PER_MINUTE: '10000',
      HAVEN_SIGNIN_FREE_FAILURES: '1000',
      HAVEN_LOCKOUT_THRESHOLD: '100000',
      HAVEN_REGISTER_PER_ADDRESS_PER_HOUR: '10000',
    },
  });
});
afterAll(() => haven.close());

/** Every state-changing route. Sign-out routes are left to the anonymous pass: they would end the fuzzing session. */
const POST_ROUTES = [
  '/api/auth/sign-in',
  '/api/auth/mfa',
  '/api/auth/enrolment/start',
  '/api/auth/enrolment/confirm',
  '/api/auth/register',
  `/api/auth/invites/${'t'.repeat(43)}/accept`,
  '/api/agencies',
  `/api/agencies/${SOME_ID}/protocol`,
  '/api/invites',
  `/api/users/${SOME_ID}/verify`,
  `/api/users/${SOME_ID}/suspend`,
  `/api/users/${SOME_ID}/reinstate`,
  '/api/children',
  `/api/children/${SOME_ID}/open`,
  `/api/children/${SOME_ID}/confirm-details`,
  `/api/children/${SOME_ID}/involvement`,
  `/api/children/${SOME_ID}/involvement/end`,
  `/api/children/${SOME_ID}/concerns`,
  `/api/children/${SOME_ID}/concerns/${SOME_ID}/clear`,
  `/api/children/${SOME_ID}/shield`,
  `/api/children/${SOME_ID}/unshield`,
  `/api/children/${SOME_ID}/override`,
  `/api/children/${SOME_ID}/contacts`,
  `/api/children/${SOME_ID}/contacts/${SOME_ID}/remove`,
  `/api/children/${SOME_ID}/contacts/${SOME_ID}/shield`,
  `/api/children/${SOME_ID}/contacts/${SOME_ID}/unshield`,
  `/api/alerts/${SOME_ID}/acknowledge`,
  `/api/children/${SOME_ID}/verbal-shares`,
  `/api/children/${SOME_ID}/decisions`,
  `/api/shares/${SOME_ID}/reopen`,
  `/api/shares/${SOME_ID}/corrections`,
  `/api/users/${SOME_ID}/key-attestation`,
  `/api/children/${SOME_ID}/threads`,
  `/api/threads/${SOME_ID}/participants`,
  `/api/children/${SOME_ID}/offending-risk`,
  `/api/children/${SOME_ID}/offending-risk/unmark`,
  `/api/children/${SOME_ID}/case-officers`,
  `/api/obligations/${SOME_ID}/cancel`,
  `/api/notices/${SOME_ID}/read`,
  `/api/children/${SOME_ID}/legal-hold`,
  `/api/children/${SOME_ID}/legal-hold/release`,
  '/api/subject-access-requests',
  `/api/subject-access-requests/${SOME_ID}/complete`,
];
const SIGN_OUT_ROUTES = ['/api/auth/sign-out', '/api/auth/sign-out-everywhere'];
const GET_ROUTES = [
  '/api/session',
  '/api/agencies/directory',
  '/api/agencies',
  '/api/users',
  `/api/users/${SOME_ID}`,
  '/api/audit',
  '/api/audit/verify',
  `/api/auth/invites/${'t'.repeat(43)}`,
];

/** Values a confused or hostile client might send. */
const hostileValue = fc.oneof(
  fc.jsonValue(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('\u0000', '💥'.repeat(500), "'; drop table users; --", '__proto__', '2026-02-30', -1, 1e308, true, null, [], {}),
);
const hostileBody = fc.oneof(
  fc.dictionary(
    fc.constantFrom(
      'email',
      'password',
      'code',
      'name',
      'agencyId',
      'role',
      'kind',
      'signed',
      'signedOn',
      'reason',
      'identityCheckedOn',
      'vettingCheckedOn',
      'trainingCompletedOn',
      'identityCheckedBy',
      'extra',
      '__proto__',
      'constructor',
    ),
    hostileValue,
  ),
  hostileValue,
);

describe('bad input on every route', () => {
  it('answers malformed JSON, wrong types and oversized bodies with a clear 4xx', async () => {
    const sam = await people.as('Sam');
    for (const route of POST_ROUTES) {
      expectClearClientError(await sam.request('POST', route, undefined, { rawBody: '{"email": ' }), `${route} malformed`);
      expectClearClientError(await sam.request('POST', route, undefined, { rawBody: JSON.stringify({ x: 'y'.repeat(200_000) }) }), `${route} huge`);
      expectClearClientError(await sam.post(route, 'just a string'), `${route} string body`);
    }
  });

  it('fuzzes every state-changing route, signed in as a system admin and anonymously', async () => {
    const sam = await people.as('Sam');
    const anonymous = new ApiClient(haven.url);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POST_ROUTES), hostileBody, fc.boolean(), async (route, body, asAdmin) => {
        const res = await (asAdmin ? sam : anonymous).post(route, body);
        expectClearClientError(res, `${route} ${JSON.stringify(body)}`);
      }),
      { numRuns: 400 },
    );
    // Fresh keys would be accepted once; anything else must be a clear refusal.
    await fc.assert(
      fc.asyncProperty(hostileBody, async (body) => {
        for (const route of ['/api/keys/me', '/api/keys/backup']) {
          const res = await sam.request('PUT', route, body);
          if (res.status >= 300) expectClearClientError(res, `PUT ${route} ${JSON.stringify(body)}`);
        }
      }),
      { numRuns: 100 },
    );
    for (const route of SIGN_OUT_ROUTES) {
      const res = await anonymous.post(route, { unexpected: true });
      expect(res.status).toBeLessThan(500);
    }
  });

  it('fuzzes query strings and path parameters of every read route', async () => {
    const sam = await people.as('Sam');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...GET_ROUTES),
        fc.dictionary(
          fc.constantFrom(
            'status',
            'agencyId',
            'action',
            'actorId',
            'subjectId',
            'from',
            'to',
            'limit',
            'beforeSeq',
            'name',
            'dateOfBirth',
            'postcode',
            'userIds',
            'x',
          ),
          fc.string({ unit: 'binary' }),
        ),
        async (route, query) => {
          const res = await sam.get(`${route}?${new URLSearchParams(query).toString()}`);
          expect(res.status, `${route} ${JSON.stringify(query)}`).toBeLessThan(500);
          if (res.status >= 400) expectClearClientError(res, `${route} ${JSON.stringify(query)}`);
        },
      ),
      { numRuns: 200 },
    );
    for (const bad of ['not-a-uuid', '%00', "1'or'1'='1", 'x'.repeat(5000)]) {
      expectClearClientError(await sam.get(`/api/users/${bad}`), `user id ${bad}`);
      expectClearClientError(await sam.post(`/api/users/${bad}/verify`, {}), `verify ${bad}`);
      expectClearClientError(await sam.get(`/api/auth/invites/${bad}`), `invite ${bad}`);
    }
    expectClearClientError(await sam.get('/api/no/such/route'), 'unknown route');
  });

  it('fuzzes every Socket.IO event: each bad payload gets an error ack and the connection stays usable', async () => {
    const sam = await people.as('Sam');
    const socket = sam.socket();
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
    const untyped = socket as unknown as { timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> } };
    // Every event the server knows (a new one is fuzzed without anyone remembering to list it), and one it does not.
    const events = [...Object.keys(clientEventSchemas), 'made:up'];
    try {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...events), hostileBody, async (event, payload) => {
          const ack = (await untyped.timeout(5_000).emitWithAck(event, payload)) as { ok: boolean; error?: { code: string; message: string } };
          if (!ack.ok) {
            expect(typeof ack.error?.code).toBe('string');
            expect(JSON.stringify(ack)).not.toMatch(/node_modules|\.ts:\d+|stack/i);
          }
        }),
        { numRuns: 200 },
      );
      expect(await socket.timeout(5_000).emitWithAck('session:status', {})).toMatchObject({ ok: true });
    } finally {
      socket.close();
    }
  });

  it('answers events named after Object.prototype members with an error ack, like any unknown event', async () => {
    const sam = await people.as('Sam');
    const socket = sam.socket();
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
    const untyped = socket as unknown as { timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> } };
    try {
      for (const event of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'toLocaleString', '__defineGetter__']) {
        const ack = await untyped.timeout(3_000).emitWithAck(event, {});
        expect(ack, event).toEqual({ ok: false, error: { code: 'unknown_event', message: 'Haven does not know this event.' } });
      }
      expect(await socket.timeout(5_000).emitWithAck('session:status', {})).toMatchObject({ ok: true });
    } finally {
      socket.close();
    }
  });

  it('is still healthy afterwards and the audit chain still verifies', async () => {
    expect((await new ApiClient(haven.url).get('/api/health')).status).toBe(200);
    const sam = await people.as('Sam');
    expect((await sam.get<{ ok: boolean }>('/api/audit/verify')).body.ok).toBe(true);
  });
});
