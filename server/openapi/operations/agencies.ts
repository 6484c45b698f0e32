import { createAgencyBody, protocolBody, signInPolicyBody } from '../../agencies/agencies.schema';
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
  {
    method: 'get',
    path: '/agencies/:id/sign-in-policy',
    tag: 'Agencies',
    summary: 'Whether the agency’s people may sign in with a passkey alone (its admins; system admins)',
    params: byId,
    ok: json('`{ agencyId, passkeyOnlySignIn }`.'),
  },
  {
    method: 'put',
    path: '/agencies/:id/sign-in-policy',
    tag: 'Agencies',
    summary: 'Let the agency’s people sign in with a passkey alone, or stop it (its admins; system admins; audited)',
    params: byId,
    body: signInPolicyBody,
    ok: json('`{ agencyId, passkeyOnlySignIn }`.'),
  },
];
