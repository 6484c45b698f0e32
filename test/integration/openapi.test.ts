import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/client';
import { startTestHaven, type TestHaven } from '../support/haven';
import { createChildBody } from '../../server/children/children.schema';
import { buildOpenApiDocument, type OpenApiDocument, type OpenApiOperation } from '../../server/openapi/document';
import { inputJsonSchema, type JsonSchema } from '../../server/openapi/json-schema';
import { errorAnswer } from '../../server/openapi/openapi.schema';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Express `:param` → OpenAPI `{param}`, written out here rather than imported, so the test does not trust the code it checks. */
const asOpenApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}');

function documentedOperations(document: OpenApiDocument): { key: string; path: string; method: string; operation: OpenApiOperation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = (item as Partial<Record<string, OpenApiOperation>>)[method];
      return operation ? [{ key: `${method.toUpperCase()} ${path}`, path, method, operation }] : [];
    }),
  );
}

describe('API documentation', () => {
  let haven: TestHaven;
  let client: ApiClient;
  let document: OpenApiDocument;

  beforeAll(async () => {
    haven = await startTestHaven();
    client = new ApiClient(haven.url);
    const res = await client.get<OpenApiDocument>('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    document = res.body;
  });

  afterAll(async () => {
    await haven.close();
  });

  it('documents every route the server registers under /api, and no route it does not have', () => {
    const registered = haven
      .httpRoutes()
      .filter((route) => route.path.startsWith('/api/'))
      .map((route) => `${route.method.toUpperCase()} ${asOpenApiPath(route.path)}`);
    // The walk must have reached into the domain routers, or the comparison below proves nothing.
    expect(registered).toContain('POST /api/auth/sign-in');
    expect(registered).toContain('POST /api/children/{id}/contacts/{contactId}/unshield');
    expect(registered.length).toBeGreaterThan(70);

    const documented = documentedOperations(document).map((op) => op.key);
    const undocumented = registered.filter((key) => !documented.includes(key));
    const phantom = documented.filter((key) => !registered.includes(key));
    expect.soft(undocumented, 'registered routes missing from server/openapi/operations/').toEqual([]);
    expect(phantom, 'documented in server/openapi/operations/ but not registered').toEqual([]);
  });

  it('is an OpenAPI 3.1 document: every operation has an id, a tag, a success answer, error answers and known security schemes', () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info).toMatchObject({ title: 'Haven API', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    const tags = document.tags.map((t) => t.name);
    const schemes = Object.keys(document.components.securitySchemes);
    expect(schemes.sort()).toEqual(['csrfToken', 'sessionCookie']);
    const ids = new Set<string>();

    for (const { key, path, method, operation } of documentedOperations(document)) {
      expect(operation.operationId, key).toMatch(/^[a-z]+[A-Za-z0-9]*$/);
      expect(ids.has(operation.operationId), `${key}: operationId repeated`).toBe(false);
      ids.add(operation.operationId);
      expect(operation.summary, key).not.toBe('');
      expect(operation.tags.length, key).toBe(1);
      expect(tags, key).toContain(operation.tags[0]);

      const statuses = Object.keys(operation.responses);
      expect(statuses.filter((s) => /^2\d\d$/.test(s)).length, `${key}: one success answer`).toBe(1);
      expect(statuses, key).toContain('default');
      for (const response of Object.values(operation.responses)) {
        if ('$ref' in response) expect(document.components.responses[response.$ref.replace('#/components/responses/', '')], key).toBeDefined();
        else expect(response.description, key).not.toBe('');
      }

      // Every `{name}` in the path is a required path parameter with a schema, and there are no others.
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const pathParams = operation.parameters.filter((p) => p.in === 'path');
      expect(
        pathParams.map((p) => p.name),
        key,
      ).toEqual(inPath);
      for (const p of operation.parameters) {
        expect(p.schema, `${key} ${p.name}`).toBeTypeOf('object');
        if (p.in === 'path') expect(p.required, `${key} ${p.name}`).toBe(true);
      }

      for (const requirement of operation.security) for (const scheme of Object.keys(requirement)) expect(schemes, key).toContain(scheme);
      // server/http/csrf.ts refuses any state-changing request without the token: the document must say so.
      const needsCsrf = operation.security.some((r) => 'csrfToken' in r);
      expect(needsCsrf, `${key}: CSRF token`).toBe(method !== 'get');
    }
  });

  it('describes each request body with the fields its route validates, generated from the zod schema', () => {
    const withBody = documentedOperations(document).filter((op) => op.operation.requestBody);
    expect(withBody.length).toBeGreaterThan(35);
    for (const { key, operation } of withBody) {
      const schema = operation.requestBody?.content['application/json'].schema ?? {};
      const shapes: JsonSchema[] = schema.oneOf ?? schema.anyOf ?? [schema];
      for (const shape of shapes) {
        expect(shape.type, key).toBe('object');
        expect(Object.keys(shape.properties ?? {}).length, `${key}: fields`).toBeGreaterThan(0);
        // Every body schema is strict: a field the route does not know is refused, and the document says so.
        expect(shape.additionalProperties, key).toBe(false);
      }
    }

    const body = (key: string) => withBody.find((op) => op.key === key)?.operation.requestBody?.content['application/json'].schema;
    expect(body('POST /api/auth/sign-in')).toMatchObject({ required: ['email', 'password'] });
    expect(body('PUT /api/keys/me')?.properties).toHaveProperty('signPublicKey');
    expect(body('POST /api/agencies/{id}/protocol')?.oneOf).toHaveLength(2);
    expect(body('POST /api/children/{id}/verbal-shares')?.properties).toHaveProperty('record');
    // Not a copy: the very schema the route parses with, converted.
    expect(body('POST /api/children')).toEqual(inputJsonSchema(createChildBody));
    expect(document.components.schemas.Error).toEqual(inputJsonSchema(errorAnswer));

    const searchQuery = documentedOperations(document).find((op) => op.key === 'GET /api/children')?.operation.parameters;
    expect(searchQuery?.map((p) => [p.name, p.in])).toEqual([
      ['name', 'query'],
      ['dateOfBirth', 'query'],
      ['postcode', 'query'],
    ]);
  });

  it('serves a browsable page listing every operation, under the strict CSP, with no script', async () => {
    const page = await client.get<string>('/api/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).toContain("style-src 'self'");
    const html = page.body;
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    for (const { path, method, operation } of documentedOperations(document)) {
      expect(html).toContain(`<span class="method method-${method}">${method.toUpperCase()}</span> <code class="path">${path}</code>`);
      expect(html).toContain(`id="${operation.operationId}"`);
    }

    // Everything the page links to on this server answers without signing in: the stylesheet, the JSON, the format documents.
    const links = [...html.matchAll(/(?:href)="(\/api\/[^"#]*)"/g)].map((m) => m[1] ?? '');
    expect(links).toEqual(expect.arrayContaining(['/api/docs/style.css', '/api/openapi.json', '/api/docs/formats/realtime', '/api/docs/formats/envelope']));
    for (const link of new Set(links)) {
      const res = await client.get<string>(link);
      expect(res.status, link).toBe(200);
    }
    const css = await client.get<string>('/api/docs/style.css');
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('serves the realtime and envelope documents as text, and nothing else from disk', async () => {
    const realtime = await client.get<string>('/api/docs/formats/realtime');
    expect(realtime.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(realtime.body).toContain('share:send');
    expect(realtime.body).toContain('retention:purged');
    const envelope = await client.get<string>('/api/docs/formats/envelope');
    expect(envelope.body).toContain('# Envelope, format v1');

    for (const name of ['api', '..%2Fpackage.json', 'realtime.md', '%2Fetc%2Fpasswd']) {
      const res = await client.get(`/api/docs/formats/${name}`);
      expect(res.status, name).toBe(404);
      expect(res.body).toMatchObject({ error: { code: 'document_not_found' } });
    }
  });

  it('refuses to build a document with a path parameter that has no schema', () => {
    expect(() =>
      buildOpenApiDocument('0.0.0', [{ method: 'get', path: '/things/:id', tag: 'Service', summary: 'A thing', ok: { status: 200, description: 'It.' } }]),
    ).toThrow(/path parameters id need one schema each/);
  });
});
