import { reasonBody } from '../../children/children.schema';
import { addCaseOfficerBody } from '../../offending/offending.schema';
import { type ApiOperation, byChild, byId, json, noContent } from '../api-operation';

/** The routes in server/offending/offending.routes.ts. */
export const offendingOperations: ApiOperation[] = [
  {
    method: 'post',
    path: '/children/:id/offending-risk',
    tag: 'Offending risk',
    summary: 'Mark a child at risk of offending (designated officers; once a child has a case, only officers on it)',
    params: byChild,
    body: reasonBody,
    ok: json('`{ marked: true, specialFileId }`.'),
  },
  {
    method: 'post',
    path: '/children/:id/offending-risk/unmark',
    tag: 'Offending risk',
    summary: 'Remove the offending-risk marking (designated officers on the case)',
    params: byChild,
    body: reasonBody,
    ok: json('`{ marked: false }`.'),
  },
  {
    method: 'post',
    path: '/children/:id/offending-risk/admin-unmark',
    tag: 'Offending risk',
    summary: 'Remove the marking when no officer on the case can: the marking agency’s admin or a system admin, with a reason; the officers are told',
    params: byChild,
    body: reasonBody,
    ok: json('`{ marked: false }`.'),
  },
  {
    method: 'get',
    path: '/children/:id/special-file',
    tag: 'Offending risk',
    summary: 'The special file (officers on the case; audited)',
    params: byChild,
    ok: json('`{ specialFileId, officerIds, officers: [{ id, name }], records }`.'),
  },
  {
    method: 'post',
    path: '/children/:id/case-officers',
    tag: 'Offending risk',
    summary: 'Add a designated officer to the case',
    params: byChild,
    body: addCaseOfficerBody,
    ok: json('`{ officerIds }`.'),
  },
  { method: 'get', path: '/obligations/mine', tag: 'Offending risk', summary: 'My written-record obligations', ok: json('`{ obligations: [...] }`.') },
  {
    method: 'get',
    path: '/obligations/escalations',
    tag: 'Offending risk',
    summary: 'Escalated obligations (admins, in their scope)',
    ok: json('`{ obligations: [...] }`.'),
  },
  {
    method: 'post',
    path: '/obligations/:id/cancel',
    tag: 'Offending risk',
    summary: 'Cancel an obligation (admins; never deleted)',
    params: byId,
    body: reasonBody,
    ok: json('`{ obligation }`.'),
  },
  {
    method: 'get',
    path: '/notices',
    tag: 'Offending risk',
    summary: 'My notices: reminders, escalations, and attempts to register my address',
    ok: json('`{ notices: [{ id, kind, obligationId, round, createdAt, read }] }`.'),
  },
  { method: 'post', path: '/notices/:id/read', tag: 'Offending risk', summary: 'Mark one of my notices read', params: byId, ok: noContent() },
];
