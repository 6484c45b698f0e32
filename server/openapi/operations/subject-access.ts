import { exportQuery } from '../../subject-access/subject-access.routes';
import { createRequestBody } from '../../subject-access/subject-access.service';
import { type ApiOperation, byId, created, json } from '../api-operation';

/** The routes in server/subject-access/subject-access.routes.ts. */
export const subjectAccessOperations: ApiOperation[] = [
  {
    method: 'post',
    path: '/subject-access-requests',
    tag: 'Subject access',
    summary: 'Record a subject access request',
    body: createRequestBody,
    ok: created('`{ request }` with its due date.'),
  },
  {
    method: 'get',
    path: '/subject-access-requests',
    tag: 'Subject access',
    summary: 'Subject access requests, with status open, overdue or completed',
    ok: json('`{ requests }`.'),
  },
  {
    method: 'get',
    path: '/subject-access-requests/:id/export',
    tag: 'Subject access',
    summary: 'Everything held about the child, in date order; protected third parties redacted',
    params: byId,
    query: exportQuery,
    ok: { status: 200, description: 'JSON, or an HTML document with `format=html`.', media: 'json-or-html' },
  },
  {
    method: 'post',
    path: '/subject-access-requests/:id/complete',
    tag: 'Subject access',
    summary: 'Mark a request answered',
    params: byId,
    ok: json('`{ request }`.'),
  },
];
