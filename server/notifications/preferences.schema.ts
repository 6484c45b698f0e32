import { z } from 'zod';
import { notificationPreferencesSchema } from './preference-rules';

/** PUT /api/me/notification-preferences and /api/agencies/:id/notification-defaults: complete choices, or null to go back to the defaults. */
export const preferencesBody = z.object({ preferences: notificationPreferencesSchema.nullable() }).strict();
