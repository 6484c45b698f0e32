import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db';
import { integrityReports, users } from '../db/schema';

export type NewIntegrityReport = typeof integrityReports.$inferInsert;

/** Records a report once per reporter, kind, subject and reason; false when it was already there. */
export async function insertIntegrityReport(db: Database, row: NewIntegrityReport): Promise<boolean> {
  const inserted = await db.insert(integrityReports).values(row).onConflictDoNothing().returning({ id: integrityReports.id });
  return inserted.length > 0;
}

/** How many reports this user has made since `since` (their budget). */
export async function reportsSince(db: Database, reporterId: string, since: Date): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(integrityReports)
    .where(and(eq(integrityReports.reporterId, reporterId), gt(integrityReports.createdAt, since)));
  return row?.n ?? 0;
}

/** System admins who are not suspended: they are told. */
export async function activeSystemAdminIds(db: Database): Promise<string[]> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, 'system_admin'), isNull(users.suspendedAt)));
  return rows.map((r) => r.id);
}

/** Serialises one reporter's reports, so two at once cannot both slip under the budget. */
export async function lockReporter(tx: Database, reporterId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('haven/integrity-reports'), hashtext(${reporterId}))`);
}
