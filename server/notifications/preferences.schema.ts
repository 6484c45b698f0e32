import { z } from 'zod';
import { notificationPreferencesSchema, type NotificationPreferences } from './preference-rules';

/** PUT /api/me/notification-preferences and /api/agencies/:id/notification-defaults: complete choices, or null to go back to the defaults. */
export const preferencesBody = z.object({ preferences: notificationPreferencesSchema.nullable() }).strict();

/** What the account page shows: the person's choices, what applies until they choose, and the rules they cannot change. */
export interface PreferencesView {
  own: NotificationPreferences | null;
  /** Their agency's defaults, or the installation's where the agency set none. */
  defaults: NotificationPreferences;
  agencySetDefaults: boolean;
  effective: NotificationPreferences;
  timeZone: string;
  /** Notices that always come by e-mail, whatever the choices. */
  alwaysSent: string[];
  /** Notices that come through quiet hours. */
  throughQuietHours: string[];
}

export interface AgencyDefaultsView {
  agencyId: string;
  /** Null: the agency set none, so the installation's apply. */
  defaults: NotificationPreferences | null;
  effective: NotificationPreferences;
  timeZone: string;
}
