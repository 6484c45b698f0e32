import { eq } from 'drizzle-orm';
import type { Database } from '../db';
import { agencyNotificationDefaults, notificationPreferences, users } from '../db/schema';
import { notificationPreferencesSchema, type NotificationPreferences } from './preference-rules';

/** Stored choices are parsed on every read: a row anything but well-formed counts as no choice (every notice goes). */
function parsed(settings: unknown): NotificationPreferences | null {
  const result = notificationPreferencesSchema.safeParse(settings);
  return result.success ? result.data : null;
}

export interface StoredPreferences {
  own: NotificationPreferences | null;
  agency: NotificationPreferences | null;
}

/** A person's own choices and their agency's defaults, in one round trip. */
export async function preferencesOf(db: Database, userId: string): Promise<StoredPreferences> {
  const [row] = await db
    .select({ own: notificationPreferences.settings, agency: agencyNotificationDefaults.settings })
    .from(users)
    .leftJoin(notificationPreferences, eq(notificationPreferences.userId, users.id))
    .leftJoin(agencyNotificationDefaults, eq(agencyNotificationDefaults.agencyId, users.agencyId))
    .where(eq(users.id, userId));
  return { own: parsed(row?.own), agency: parsed(row?.agency) };
}

export async function agencyDefaultsOf(db: Database, agencyId: string): Promise<NotificationPreferences | null> {
  const [row] = await db
    .select({ settings: agencyNotificationDefaults.settings })
    .from(agencyNotificationDefaults)
    .where(eq(agencyNotificationDefaults.agencyId, agencyId));
  return parsed(row?.settings);
}

export async function saveOwnPreferences(db: Database, userId: string, settings: NotificationPreferences, now: Date): Promise<void> {
  await db
    .insert(notificationPreferences)
    .values({ userId, settings, updatedAt: now })
    .onConflictDoUpdate({ target: notificationPreferences.userId, set: { settings, updatedAt: now } });
}

export async function clearOwnPreferences(db: Database, userId: string): Promise<void> {
  await db.delete(notificationPreferences).where(eq(notificationPreferences.userId, userId));
}

export async function saveAgencyDefaults(db: Database, agencyId: string, settings: NotificationPreferences, by: string, now: Date): Promise<void> {
  await db
    .insert(agencyNotificationDefaults)
    .values({ agencyId, settings, updatedBy: by, updatedAt: now })
    .onConflictDoUpdate({ target: agencyNotificationDefaults.agencyId, set: { settings, updatedBy: by, updatedAt: now } });
}

export async function clearAgencyDefaults(db: Database, agencyId: string): Promise<void> {
  await db.delete(agencyNotificationDefaults).where(eq(agencyNotificationDefaults.agencyId, agencyId));
}
