import { and, eq } from 'drizzle-orm';
import type { Database } from '../db';
import { caseOfficers, threads } from '../db/schema';

export async function caseOfficerIds(db: Database, childId: string): Promise<string[]> {
  const rows = await db.select({ userId: caseOfficers.userId }).from(caseOfficers).where(eq(caseOfficers.childId, childId));
  return rows.map((r) => r.userId);
}

export async function insertCaseOfficer(db: Database, values: typeof caseOfficers.$inferInsert): Promise<void> {
  await db.insert(caseOfficers).values(values).onConflictDoNothing();
}

export async function specialFileOf(db: Database, childId: string) {
  const [row] = await db
    .select()
    .from(threads)
    .where(and(eq(threads.childId, childId), eq(threads.tier, 'offending_risk')));
  return row;
}
