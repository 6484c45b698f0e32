import { type ApiOperation, byId, json } from '../api-operation';
import { preferencesBody } from '../../notifications/preferences.schema';

const preferencesView = json(
  '`{ own: Preferences | null, defaults: Preferences, agencySetDefaults, effective: Preferences, timeZone, alwaysSent: [kind], throughQuietHours: [kind] }`; Preferences is `{ messages, recordReminders, digest: quarter_hour|hourly|daily, quietHours: { start: "HH:MM", end: "HH:MM" } | null }`.',
);
const agencyDefaultsView = json('`{ agencyId, defaults: Preferences | null, effective: Preferences, timeZone }`.');

/** The routes in server/notifications/notifications.routes.ts. */
export const notificationOperations: ApiOperation[] = [
  {
    method: 'get',
    path: '/mail/status',
    tag: 'Service',
    summary: 'Whether e-mail notices go to an SMTP server, or to a folder because none is set up (admins)',
    ok: json('`{ mail: { configured: true, via: "smtp", host } | { configured: false, via: "folder", folder } }`.'),
  },
  {
    method: 'get',
    path: '/me/notification-preferences',
    tag: 'Users',
    summary: 'What I hear by e-mail and when: my choices, my agency’s defaults, and the notices that always come',
    ok: preferencesView,
  },
  {
    method: 'put',
    path: '/me/notification-preferences',
    tag: 'Users',
    summary: 'Set my own choices, or (`preferences: null`) go back to my agency’s defaults (audited)',
    body: preferencesBody,
    ok: preferencesView,
  },
  {
    method: 'get',
    path: '/agencies/:id/notification-defaults',
    tag: 'Agencies',
    summary: 'An agency’s default e-mail preferences for its people who have not chosen (its admins; system admins)',
    params: byId,
    ok: agencyDefaultsView,
  },
  {
    method: 'put',
    path: '/agencies/:id/notification-defaults',
    tag: 'Agencies',
    summary: 'Set, or (`preferences: null`) remove, an agency’s default e-mail preferences (its admins; system admins; audited)',
    params: byId,
    body: preferencesBody,
    ok: agencyDefaultsView,
  },
];
