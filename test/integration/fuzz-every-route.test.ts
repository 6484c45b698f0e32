import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenApiDocument, OpenApiOperation } from '../../server/openapi/document';
import { inputJsonSchema } from '../../server/openapi/json-schema';
import { clientEventSchemas } from '../../server/realtime/events';
import { ApiClient, type ApiResponse } from '../support/client';
import { expectNoInternals } from '../support/clear-error';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { arbitraryFor } from '../support/schema-arbitrary';
import { totpCode } from '../support/totp';

// Every route of the OpenAPI document and every Socket.IO event, fuzzed signed out and as each
// demo role, with values shaped by the routes' own schemas (so most get past validation into the
// services) and hostile ones. Nothing may answer ≥ 500 or show internals, and the server must be
// alive and its audit chain intact afterwards.
let haven: TestHaven;
const people = new People(() => haven);
const clients: [string, ApiClient][] = [];
const knownIds: string[] = [];
let operations: { key: string; method: string; path: string; operation: OpenApiOperation }[] = [];
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const RUNS_PER_ROUTE = 8;
/** Ending the fuzzing session would leave the rest of the routes untried: these run last. */
const SIGN_OUT = new Set(['POST /api/auth/sign-out', 'POST /api/auth/sign-out-everywhere']);
/** Suspending the fuzzing clients would do the same: these get unknown ids only. */
const unknownIdsOnly = (key: string) => key.endsWith('/suspend');

beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true, env: { HAVEN_SIGNIN_PER_ADDRESS_PER_MINUTE: '10000', HAVEN_LOCKOUT_THRESHOLD: '100' } });
  const half = new ApiClient(haven.url);
  await half.post('/api/auth/sign-in', { email: haven.account('Sam').email, password: haven.account('Sam').password });
  const taylor = new ApiClient(haven.url);
  await taylor.post('/api/auth/sign-in', { email: haven.account('Taylor').email, password: haven.account('Taylor').password });
  const start = await taylor.post<{ secret: string }>('/api/auth/enrolment/start');
  await taylor.post('/api/auth/enrolment/confirm', { code: totpCode(start.body.secret) });
  clients.push(['anonymous', new ApiClient(haven.url)], ['half signed in', half], ['unverified', taylor]);
  for (const [role, name] of [
    ['practitioner', 'Jordan'],
    ['designated officer', 'Ruth'],
    ['agency admin', 'Priya'],
    ['system admin', 'Sam'],
  ] as const) {
    clients.push([role, await people.as(name)]);
  }
  const sam = await people.as('Sam');
  const jordan = await people.as('Jordan');
  knownIds.push(
    ...(await sam.get<{ users: { id: string }[] }>('/api/users')).body.users.map((u) => u.id),
    ...(await sam.get<{ agencies: { id: string }[] }>('/api/agencies')).body.agencies.map((a) => a.id),
    ...(await jordan.get<{ children: { id: string }[] }>('/api/children?name=Lily+Hartwell')).body.children.map((c) => c.id),
    ...(await jordan.get<{ children: { id: string }[] }>('/api/children?name=Callum+Byrne')).body.children.map((c) => c.id),
  );
  const document = (await new ApiClient(haven.url).get<OpenApiDocument>('/api/openapi.json')).body;
  operations = Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = (item as Partial<Record<string, OpenApiOperation>>)[method];
      return operation ? [{ key: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, operation }] : [];
    }),
  );
}, 120_000);
afterAll(() => haven?.close());

/** A parameter value as it goes into a URL (JSON for anything that is not a string: a hostile object may have no usable toString). */
const asText = (value: unknown) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));

/** A request for this operation: each path and query parameter and the body drawn from their schemas. */
function requestFor(key: string, path: string, operation: OpenApiOperation) {
  const ids = unknownIdsOnly(key) ? [] : knownIds;
  const params = operation.parameters.map((p) => ({ p, value: arbitraryFor(p.schema, ids) }));
  const pathParams = params.filter(({ p }) => p.in === 'path');
  const queryParams = params.filter(({ p }) => p.in === 'query');
  const body = operation.requestBody?.content['application/json'].schema;
  return fc.record({
    path: fc
      .tuple(...pathParams.map(({ value }) => value))
      .map((values) => pathParams.reduce((built, { p }, i) => built.replace(`{${p.name}}`, encodeURIComponent(asText(values[i]))), path)),
    query: fc.tuple(...queryParams.map(({ value }) => fc.option(value, { nil: undefined }))).map((values) => {
      const query = new URLSearchParams();
      queryParams.forEach(({ p }, i) => values[i] !== undefined && query.set(p.name, asText(values[i])));
      return query.toString();
    }),
    body: body ? arbitraryFor(body, ids) : fc.constant(undefined),
  });
}

function expectNoServerError(res: ApiResponse, label: string): void {
  expect(res.status, label).toBeLessThan(500);
  if (res.status >= 400) expectNoInternals(res, label);
}

describe('fuzzing every documented route and every socket event, signed out and as each demo role', () => {
  it('covers the whole document', () => {
    expect(operations.length).toBeGreaterThan(70);
    expect(clients.map(([who]) => who)).toHaveLength(7);
  });

  it('answers every route with a status below 500 and no internals, whoever asks', { timeout: 600_000 }, async () => {
    const tried = new Set<string>();
    for (const [who, client] of clients) {
      for (const { key, method, path, operation } of operations) {
        if (SIGN_OUT.has(key)) continue;
        await fc.assert(
          fc.asyncProperty(requestFor(key, path, operation), async ({ path: concrete, query, body }) => {
            const url = query ? `${concrete}?${query}` : concrete;

            const res = await client.request(method, url, method === 'GET' ? undefined : (body ?? {}));
            expectNoServerError(res, `${who}: ${method} ${url} ${JSON.stringify(body)?.slice(0, 300)}`);
            tried.add(key);
          }),
          { numRuns: RUNS_PER_ROUTE, endOnFailure: true },
        );
      }
    }
    expect(tried.size).toBe(operations.length - SIGN_OUT.size);
  });

  it('acks every socket event (and unknown ones) for each role that may connect, and the connection stays usable', { timeout: 300_000 }, async () => {
    const events = Object.keys(clientEventSchemas);
    const payloads = fc.oneof(
      ...events.map((event) =>
        arbitraryFor(inputJsonSchema(clientEventSchemas[event as keyof typeof clientEventSchemas]), knownIds).map((payload) => ({ event, payload })),
      ),
      fc.record({ event: fc.constantFrom('made:up', 'constructor', '__proto__', 'share:', ''), payload: fc.jsonValue() }),
    );
    for (const [who, client] of clients) {
      const socket = client.socket();
      const connected = await new Promise<boolean>((resolve) => {
        socket.once('connect', () => resolve(true));
        socket.once('connect_error', () => resolve(false));
      });
      // Only verified users connect (test/integration/standing.test.ts says who may).
      expect(connected, who).toBe(!['anonymous', 'half signed in', 'unverified'].includes(who));
      if (!connected) {
        socket.close();
        continue;
      }
      const untyped = socket as unknown as { timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> } };
      try {
        await fc.assert(
          fc.asyncProperty(payloads, async ({ event, payload }) => {
            const ack = (await untyped.timeout(5_000).emitWithAck(event, payload)) as { ok: boolean; error?: { code: string } };
            expect(typeof ack.ok, `${who} ${event}`).toBe('boolean');
            if (!ack.ok) expect(typeof ack.error?.code, `${who} ${event}`).toBe('string');
            expect(JSON.stringify(ack)).not.toMatch(/node_modules|\.ts:\d+|stack|internal_error/i);
          }),
          { numRuns: 60 },
        );
        expect(await socket.timeout(5_000).emitWithAck('session:status', {}), who).toMatchObject({ ok: true });
      } finally {
        socket.close();
      }
    }
  });

  it('signs out cleanly with any body, and is alive and intact afterwards', async () => {
    for (const [who, client] of clients) {
      for (const key of SIGN_OUT) expectNoServerError(await client.post(key.slice('POST '.length), { unexpected: true }), `${who} ${key}`);
    }
    expect((await new ApiClient(haven.url).get('/api/health')).status).toBe(200);
    const sam = new ApiClient(haven.url);
    expect((await sam.signIn(haven.account('Sam'))).status).toBe(200);
    expect((await sam.get<{ ok: boolean }>('/api/audit/verify')).body.ok).toBe(true);
  });
});
