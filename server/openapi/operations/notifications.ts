import { type ApiOperation, json } from '../api-operation';

/** The routes in server/notifications/notifications.routes.ts. */
export const notificationOperations: ApiOperation[] = [
  {
    method: 'get',
    path: '/mail/status',
    tag: 'Service',
    summary: 'Whether e-mail notices go to an SMTP server, or to a folder because none is set up (admins)',
    ok: json('`{ mail: { configured: true, via: "smtp", host } | { configured: false, via: "folder", folder } }`.'),
  },
];
