import { contactBody, createChildBody, openBody, reasonBody, searchQuery } from '../../children/children.schema';
import { uuidParam } from '../../shared/schemas';
import { type ApiOperation, byChild, byId, created, json, noContent } from '../api-operation';

const child = json('`{ child: Child }`, or `{ child: null }` when the child has left the index.');

/** The routes in server/children/children.routes.ts. */
export const childrenOperations: ApiOperation[] = [
  {
    method: 'get',
    path: '/children',
    tag: 'Children',
    summary: 'Search the index by name, date of birth or postcode (audited)',
    query: searchQuery,
    ok: json('`{ total, children: [...] }` (at most 25).'),
  },
  {
    method: 'get',
    path: '/children/recent',
    tag: 'Children',
    summary: 'The children I opened in the last 30 days that my agency serves or holds (practitioners and designated officers; audited)',
    ok: json('`{ children: [{ id, name, dateOfBirth, openedAt }] }`, most recent first (at most 10).'),
  },
  {
    method: 'post',
    path: '/children',
    tag: 'Children',
    summary: 'Add a child to the index (minimum data only)',
    body: createChildBody,
    ok: created('`{ child }`; 409 `possible_duplicate` with `error.duplicates`.'),
  },
  {
    method: 'post',
    path: '/children/:id/open',
    tag: 'Children',
    summary: "Open a child's entry, stating why (audited)",
    params: byChild,
    body: openBody,
    ok: child,
  },
  { method: 'post', path: '/children/:id/confirm-details', tag: 'Children', summary: 'Confirm the details are still right', params: byChild, ok: child },
  {
    method: 'post',
    path: '/children/:id/involvement',
    tag: 'Children',
    summary: 'Record that my agency provides a service to the child',
    params: byChild,
    ok: child,
  },
  { method: 'post', path: '/children/:id/involvement/end', tag: 'Children', summary: "End my agency's involvement", params: byChild, ok: child },
  { method: 'post', path: '/children/:id/concerns', tag: 'Children', summary: 'Raise a flag of concern (no details)', params: byChild, ok: child },
  {
    method: 'post',
    path: '/children/:id/concerns/:flagId/clear',
    tag: 'Children',
    summary: 'Clear a flag of concern (the raising agency)',
    params: { ...byChild, flagId: uuidParam },
    ok: child,
  },
  {
    method: 'post',
    path: '/children/:id/shield',
    tag: 'Children',
    summary: 'Shield the entry (designated officers and admins)',
    params: byChild,
    body: reasonBody,
    ok: child,
  },
  { method: 'post', path: '/children/:id/unshield', tag: 'Children', summary: 'Remove the shield', params: byChild, body: reasonBody, ok: child },
  {
    method: 'post',
    path: '/children/:id/override',
    tag: 'Children',
    summary: "Override a shield for this session; alerts the shielding agency's admin",
    params: byChild,
    body: reasonBody,
    ok: child,
  },
  {
    method: 'post',
    path: '/children/:id/contacts',
    tag: 'Children',
    summary: 'Add a specialist contact',
    params: byChild,
    body: contactBody,
    ok: created('`{ child }`.'),
  },
  ...(['remove', 'shield', 'unshield'] as const).map((change): ApiOperation => ({
    method: 'post',
    path: `/children/:id/contacts/:contactId/${change}`,
    tag: 'Children',
    summary: `${change[0]?.toUpperCase()}${change.slice(1)} a specialist contact`,
    params: { ...byChild, contactId: uuidParam },
    body: reasonBody,
    ok: child,
  })),
  { method: 'get', path: '/alerts', tag: 'Children', summary: 'Shield-override alerts (admins)', ok: json('`{ alerts: [...] }`.') },
  { method: 'post', path: '/alerts/:id/acknowledge', tag: 'Children', summary: 'Acknowledge an alert (admins)', params: byId, ok: noContent() },
];
