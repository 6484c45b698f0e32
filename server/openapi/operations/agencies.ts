import { createAgencyBody, protocolBody } from '../../agencies/agencies.schema';
import { type ApiOperation, byId, created, json } from '../api-operation';

/** The routes in server/agencies/agencies.routes.ts. */
export const agenciesOperations: ApiOperation[] = [
  {
    method: 'get',
    path: '/agencies/directory',
    tag: 'Agencies',
    summary: 'Registered agencies, for the registration form',
    access: 'public',
    ok: json('`{ agencies: [{ id, name, kind, protocolSigned }] }`.'),
  },
  { method: 'get', path: '/agencies', tag: 'Agencies', summary: 'Every agency (system admins)', ok: json('`{ agencies: Agency[] }`.') },
  { method: 'post', path: '/agencies', tag: 'Agencies', summary: 'Register an agency (system admins)', body: createAgencyBody, ok: created('`{ agency }`.') },
  {
    method: 'post',
    path: '/agencies/:id/protocol',
    tag: 'Agencies',
    summary: 'Record whether the agency signed the protocol (system admins)',
    params: byId,
    body: protocolBody,
    ok: json('`{ agency }`.'),
  },
];
