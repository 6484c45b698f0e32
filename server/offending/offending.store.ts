import { and, eq } from 'drizzle-orm';
import type { Database } from '../db';
import { caseOfficers, children, threads } from '../db/schema';
import { inUuids, onlyUuids } from '../db/uuid-array';

export async function caseOfficerIds(db: Database, childId: string): Promise<string[]> {
  const rows = await db.select({ userId: caseOfficers.userId }).from(caseOfficers).where(eq(caseOfficers.childId, childId));
  return rows.map((r) => r.userId);
}

/** The children among these on whose case (special file) this user is an officer. */
export async function casesOfOfficer(db: Database, userId: string, childIds: string[]): Promise<Set<string>> {
  if (!childIds.length) return new Set();
  const rows = await db
    .select({ childId: caseOfficers.childId })
    .from(caseOfficers)
    .where(and(eq(caseOfficers.userId, userId), inUuids(caseOfficers.childId, onlyUuids(childIds))));
  return new Set(rows.map((r) => r.childId));
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

/**
 * Locks the child's row for the rest of the transaction and returns its marking: marks and
 * unmarks of one child then happen one after another, each seeing the last one's result.
 */
export async function lockMarking(db: Database, childId: string): Promise<{ markedAt: Date | null; markedBy: string | null } | undefined> {
  const [row] = await db
    .select({ markedAt: children.offendingRiskMarkedAt, markedBy: children.offendingRiskMarkedBy })
    .from(children)
    .where(eq(children.id, childId))
    .for('update');
  return row;
}

/** Marks the child, or removes the mark. Who last marked the child is kept after unmarking: their agency's admin answers for the case. */
export async function setMarking(db: Database, childId: string, mark: { at: Date; by: string } | null): Promise<void> {
  await db
    .update(children)
    .set(mark ? { offendingRiskMarkedAt: mark.at, offendingRiskMarkedBy: mark.by } : { offendingRiskMarkedAt: null })
    .where(eq(children.id, childId));
}
