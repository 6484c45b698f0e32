import { and, desc, eq, isNull, type SQL } from 'drizzle-orm';
import type { Database } from '../db';
import { adminAlerts, users } from '../db/schema';

export type AlertRow = typeof adminAlerts.$inferSelect;

export async function insertAlert(db: Database, values: typeof adminAlerts.$inferInsert): Promise<void> {
  await db.insert(adminAlerts).values(values);
}

export async function listAlerts(db: Database, agencyId: string | null, limit = 100) {
  const conditions: SQL[] = [];
  if (agencyId) conditions.push(eq(adminAlerts.agencyId, agencyId));
  return db
    .select({ alert: adminAlerts, actorName: users.name })
    .from(adminAlerts)
    .innerJoin(users, eq(users.id, adminAlerts.actorId))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(adminAlerts.createdAt))
    .limit(limit);
}

export async function acknowledgeAlert(db: Database, id: string, agencyId: string | null, by: string, at: Date): Promise<boolean> {
  const conditions = [eq(adminAlerts.id, id), isNull(adminAlerts.acknowledgedAt)];
  if (agencyId) conditions.push(eq(adminAlerts.agencyId, agencyId));
  const rows = await db
    .update(adminAlerts)
    .set({ acknowledgedAt: at, acknowledgedBy: by })
    .where(and(...conditions))
    .returning({ id: adminAlerts.id });
  return rows.length > 0;
}
