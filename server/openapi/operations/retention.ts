import { reasonBody } from '../../children/children.schema';
import { runBody } from '../../retention/retention.routes';
import { type ApiOperation, byChild, byId, created, json, noContent } from '../api-operation';

/** The routes in server/retention/retention.routes.ts. */
export const retentionOperations: ApiOperation[] = [
  {
    method: 'get',
    path: '/retention/schedule',
    tag: 'Retention',
    summary: 'The retention schedule, with the reason for each rule (system admins)',
    ok: json('`{ schedule: [{ recordClass, rule, reason }] }`.'),
  },
  { method: 'get', path: '/retention/runs', tag: 'Retention', summary: 'Past retention runs', ok: json('`{ runs: [...] }`.') },
  { method: 'get', path: '/retention/runs/:id', tag: 'Retention', summary: 'One retention run', params: byId, ok: json('`{ run }`.') },
  {
    method: 'post',
    path: '/retention/runs',
    tag: 'Retention',
    summary: 'Run retention now, or a dry run (system admins)',
    body: runBody,
    ok: created('`{ runId, dryRun, children: [{ childId, counts }] }`.'),
  },
  {
    method: 'post',
    path: '/children/:id/legal-hold',
    tag: 'Retention',
    summary: 'Place a legal hold (admins)',
    params: byChild,
    body: reasonBody,
    ok: noContent(),
  },
  {
    method: 'post',
    path: '/children/:id/legal-hold/release',
    tag: 'Retention',
    summary: 'Release a legal hold (admins)',
    params: byChild,
    body: reasonBody,
    ok: noContent(),
  },
];
