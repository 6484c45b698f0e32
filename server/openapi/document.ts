import { CSRF_COOKIE, SESSION_COOKIE } from '../http/cookies';
import { inputJsonSchema, type JsonSchema } from './json-schema';
import { errorAnswer } from './openapi.schema';
import { API_TAGS, type Access, type ApiOperation, type Media } from './api-operation';
import { API_OPERATIONS } from './operations';

/** The OpenAPI objects Haven emits: a typed subset of OpenAPI 3.1, enough for the page and the tests to read back. */
export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: JsonSchema;
  description?: string;
}

export interface OpenApiResponse {
  description: string;
  content?: Record<string, { schema: JsonSchema }>;
}

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  parameters: OpenApiParameter[];
  requestBody?: { required: true; content: { 'application/json': { schema: JsonSchema } } };
  responses: Record<string, OpenApiResponse | { $ref: string }>;
  security: Record<string, string[]>[];
}

export interface OpenApiDocument {
  openapi: '3.1.1';
  info: { title: string; version: string; description: string };
  externalDocs: { description: string; url: string };
  tags: { name: string; description: string }[];
  paths: Record<string, Partial<Record<ApiOperation['method'], OpenApiOperation>>>;
  components: {
    securitySchemes: Record<string, { type: 'apiKey'; in: 'cookie' | 'header'; name: string; description: string }>;
    schemas: Record<string, JsonSchema>;
    responses: Record<string, OpenApiResponse>;
  };
}

export const API_PREFIX = '/api';
/** Where the format documents are served (server/openapi/openapi.routes.ts). */
export const FORMAT_DOCS_PATH = `${API_PREFIX}/docs/formats`;

/** Express `/children/:id/contacts/:contactId` → OpenAPI `/api/children/{id}/contacts/{contactId}`. */
export function openApiPath(expressPath: string): string {
  return API_PREFIX + expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

const pathParamNames = (expressPath: string) => [...expressPath.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1] ?? '');

const MEDIA: Record<Media, Record<string, { schema: JsonSchema }>> = {
  json: { 'application/json': { schema: { type: 'object' } } },
  'json-or-csv': { 'application/json': { schema: { type: 'object' } }, 'text/csv': { schema: { type: 'string' } } },
  'json-or-html': { 'application/json': { schema: { type: 'object' } }, 'text/html': { schema: { type: 'string' } } },
  html: { 'text/html': { schema: { type: 'string' } } },
  css: { 'text/css': { schema: { type: 'string' } } },
  text: { 'text/plain': { schema: { type: 'string' } } },
  bytes: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } },
};

const ACCESS_TEXT: Record<Access, string> = {
  public: 'No sign-in needed.',
  mfa_required: 'Needs a session at stage `mfa_required` (after the password, before the code).',
  enrolment_required: 'Needs a session at stage `enrolment_required` (after the password, before two-factor enrolment).',
  signed_in: 'Needs a fully signed-in session (password and two-factor code).',
};

/** GET, HEAD and OPTIONS are exempt from the CSRF check (server/http/csrf.ts); everything else must echo the token. */
const needsCsrf = (operation: ApiOperation) => operation.method !== 'get';

function security(operation: ApiOperation): Record<string, string[]>[] {
  const access = operation.access ?? 'signed_in';
  const requirement: Record<string, string[]> = {};
  if (access !== 'public') requirement.sessionCookie = [];
  if (needsCsrf(operation)) requirement.csrfToken = [];
  return Object.keys(requirement).length ? [requirement] : [];
}

function parameters(operation: ApiOperation): OpenApiParameter[] {
  const names = pathParamNames(operation.path);
  const declared = Object.keys(operation.params ?? {});
  if (names.join() !== declared.join()) {
    throw new Error(
      `${operation.method.toUpperCase()} ${operation.path}: path parameters ${names.join(', ')} need one schema each (got ${declared.join(', ')})`,
    );
  }
  const inPath = names.map((name): OpenApiParameter => {
    const schema = operation.params?.[name];
    if (!schema) throw new Error(`${operation.path}: no schema for :${name}`);
    return { name, in: 'path', required: true, schema: inputJsonSchema(schema) };
  });
  if (!operation.query) return inPath;
  const query = inputJsonSchema(operation.query);
  const required = new Set(query.required ?? []);
  const inQuery = Object.entries(query.properties ?? {}).map(([name, schema]): OpenApiParameter => ({
    name,
    in: 'query',
    required: required.has(name),
    schema: typeof schema === 'object' ? schema : {},
  }));
  return [...inPath, ...inQuery];
}

/** The error answers an operation can give, from what it takes and who may call it; all share one shape. */
function errorResponses(operation: ApiOperation, params: OpenApiParameter[]): Record<string, { $ref: string }> {
  const ref = (name: string) => ({ $ref: `#/components/responses/${name}` });
  const responses: Record<string, { $ref: string }> = {};
  if (params.length || operation.body) responses['400'] = ref('InvalidRequest');
  if ((operation.access ?? 'signed_in') !== 'public') responses['401'] = ref('NotSignedIn');
  if (needsCsrf(operation) || (operation.access ?? 'signed_in') === 'signed_in') responses['403'] = ref('Forbidden');
  if (params.some((p) => p.in === 'path')) responses['404'] = ref('NotFound');
  responses.default = ref('Error');
  return responses;
}

function operationId(operation: ApiOperation): string {
  const words = operation.path
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1));
  return operation.method + words.join('');
}

function buildOperation(operation: ApiOperation): OpenApiOperation {
  const params = parameters(operation);
  const { status, description, media = 'json' } = operation.ok;
  return {
    operationId: operationId(operation),
    summary: operation.summary,
    description: [ACCESS_TEXT[operation.access ?? 'signed_in'], needsCsrf(operation) ? 'Send the `X-CSRF-Token` header.' : ''].filter(Boolean).join(' '),
    tags: [operation.tag],
    parameters: params,
    ...(operation.body ? { requestBody: { required: true as const, content: { 'application/json': { schema: inputJsonSchema(operation.body) } } } } : {}),
    responses: {
      [String(status)]: status === 204 ? { description } : { description, content: MEDIA[media] },
      ...errorResponses(operation, params),
    },
    security: security(operation),
  };
}

const error = (description: string): OpenApiResponse => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

/** The whole API, generated from the operations list and the zod schemas the routes parse with. */
export function buildOpenApiDocument(version: string, operations: ApiOperation[] = API_OPERATIONS): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const operation of operations) {
    const path = (paths[openApiPath(operation.path)] ??= {});
    if (path[operation.method]) throw new Error(`${operation.method.toUpperCase()} ${operation.path} is listed twice`);
    path[operation.method] = buildOperation(operation);
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'Haven API',
      version,
      description: [
        'The HTTP API of Haven, the secure information-sharing hub for practitioners who work with children.',
        'Bodies are JSON. Errors are always `{ error: { code, message, issues? } }` with a 4xx or 5xx status, never a stack trace.',
        `Sign in through \`POST ${API_PREFIX}/auth/sign-in\` then \`POST ${API_PREFIX}/auth/mfa\`; the session travels in the \`${SESSION_COOKIE}\` cookie.`,
        `Every POST and PUT must send the CSRF token in the \`X-CSRF-Token\` header: \`GET ${API_PREFIX}/session\` returns it as \`csrfToken\`, and every answer that starts a session carries the new session's. Signed in, it is bound to the session; signed out, it echoes the \`${CSRF_COOKIE}\` cookie.`,
        `Messages travel over Socket.IO, not HTTP: the events are in ${FORMAT_DOCS_PATH}/realtime and the end-to-end encrypted envelope in ${FORMAT_DOCS_PATH}/envelope.`,
      ].join('\n\n'),
    },
    externalDocs: { description: 'Socket.IO events and acks (docs/realtime.md)', url: `${FORMAT_DOCS_PATH}/realtime` },
    tags: Object.entries(API_TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      securitySchemes: {
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: SESSION_COOKIE,
          description: 'httpOnly, SameSite=Strict session cookie, set by sign-in (Secure over https).',
        },
        csrfToken: {
          type: 'apiKey',
          in: 'header',
          name: 'X-CSRF-Token',
          description: `The \`csrfToken\` of \`GET ${API_PREFIX}/session\` (or of the answer that started the session): derived from the session when signed in, else the \`${CSRF_COOKIE}\` double-submit cookie. Missing or wrong: 403 \`csrf_token_invalid\`.`,
        },
      },
      schemas: { Error: inputJsonSchema(errorAnswer) },
      responses: {
        InvalidRequest: error('`invalid_request`: a parameter or the body is not valid; `issues` names each failing path.'),
        NotSignedIn: error('`not_signed_in`, or the session is at the wrong sign-in stage.'),
        Forbidden: error('`csrf_token_invalid`, or policy refused (the code and message say why).'),
        NotFound: error('Nothing with this identifier that you may see.'),
        Error: error('Any other error: 409 conflict, 410 gone, 423 locked, 429 too many requests, 503 database unavailable or server busy, 500.'),
      },
    },
  };
}
