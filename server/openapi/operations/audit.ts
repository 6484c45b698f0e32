import { auditQuery } from '../../audit/audit.schema';
import { reportQuery } from '../../audit/reports';
import { type ApiOperation, byChild, byId, json } from '../api-operation';

/** The routes in server/audit/audit.routes.ts. */
export const auditOperations: ApiOperation[] = [
  {
    method: 'get',
    path: '/audit',
    tag: 'Audit',
    summary: 'Audit entries, newest first (admins; reading is itself audited)',
    query: auditQuery,
    ok: json('`{ entries: AuditEntry[] }`.'),
  },
  {
    method: 'get',
    path: '/audit/verify',
    tag: 'Audit',
    summary: 'Check the keyed hash chain, its signed anchors and its tail (system admins)',
    ok: json('`{ ok, checked, headSeq, headHash, legacy, problem?, anchors }` (docs/api.md, docs/audit-chain.md).'),
  },
  {
    method: 'get',
    path: '/audit/reports/child/:id',
    tag: 'Audit',
    summary: "Who accessed this child's information, oldest first (admins)",
    params: byChild,
    query: reportQuery,
    ok: { status: 200, description: '`{ entries }`, or CSV with `format=csv`.', media: 'json-or-csv' },
  },
  {
    method: 'get',
    path: '/audit/reports/user/:id',
    tag: 'Audit',
    summary: 'What this user accessed, oldest first (admins)',
    params: byId,
    query: reportQuery,
    ok: { status: 200, description: '`{ entries }`, or CSV with `format=csv`.', media: 'json-or-csv' },
  },
];
