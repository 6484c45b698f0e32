import { formatDocName } from '../openapi.schema';
import { type ApiOperation, json } from '../api-operation';

/** Health and this documentation (server/http/health.ts, server/openapi/openapi.routes.ts). */
export const serviceOperations: ApiOperation[] = [
  {
    method: 'get',
    path: '/health',
    tag: 'Service',
    summary: 'Whether the database and Redis answer',
    access: 'public',
    ok: json('`{ status: "ok", database, redis }`; 503 `{ status: "down", down: [...] }`.'),
  },
  { method: 'get', path: '/openapi.json', tag: 'Service', summary: 'This API as an OpenAPI 3.1 document', access: 'public', ok: json('The OpenAPI document.') },
  {
    method: 'get',
    path: '/docs',
    tag: 'Service',
    summary: 'This API as a web page',
    access: 'public',
    ok: { status: 200, description: 'An HTML page.', media: 'html' },
  },
  {
    method: 'get',
    path: '/docs/style.css',
    tag: 'Service',
    summary: 'The stylesheet of the API page',
    access: 'public',
    ok: { status: 200, description: 'CSS.', media: 'css' },
  },
  {
    method: 'get',
    path: '/docs/formats/:name',
    tag: 'Service',
    summary: 'A format or interface document from docs/ (realtime events, envelope, share record…), as Markdown text',
    access: 'public',
    params: { name: formatDocName },
    ok: { status: 200, description: 'The Markdown source, as plain text so that every browser shows it.', media: 'text' },
  },
];
