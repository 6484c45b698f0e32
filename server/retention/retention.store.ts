import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db';
import { childTombstones, children, legalHolds, retentionRuns, threads } from '../db/schema';

/**
 * Children whose records are due for destruction on `today`: past the index age (or, with a
 * special file, the later of the two ages), and under no active legal hold.
 */
export async function dueChildren(db: Database, today: string, ages: { index: number; specialFile: number }, limit: number): Promise<string[]> {
  const ageAtDestruction = sql`case
    when exists (select 1 from ${threads} t where t.child_id = "children"."id" and t.tier = 'offending_risk') then greatest(${ages.index}::int, ${ages.specialFile}::int)
    else ${ages.index}::int end`;
  const rows = await db
    .select({ id: children.id })
    .from(children)
    .where(
      and(
        sql`${children.dateOfBirth} + make_interval(years => ${ageAtDestruction}) <= ${today}::date`,
        sql`not exists (select 1 from ${legalHolds} h where h.child_id = "children"."id" and h.released_at is null)`,
      ),
    )
    .orderBy(children.dateOfBirth, children.id)
    .limit(limit);
  return rows.map((r) => r.id);
}

export async function heldChildren(db: Database, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await db
    .select({ childId: legalHolds.childId })
    .from(legalHolds)
    .where(and(inArray(legalHolds.childId, ids), isNull(legalHolds.releasedAt)));
  return rows.map((r) => r.childId);
}

export async function insertTombstones(tx: Database, values: (typeof childTombstones.$inferInsert)[]): Promise<void> {
  if (values.length) await tx.insert(childTombstones).values(values).onConflictDoNothing();
}

export async function insertRun(db: Database, values: typeof retentionRuns.$inferInsert): Promise<string> {
  const [row] = await db.insert(retentionRuns).values(values).returning({ id: retentionRuns.id });
  if (!row) throw new Error('insert returned no row');
  return row.id;
}

export async function finishRun(db: Database, id: string, at: Date, summary: Record<string, unknown>): Promise<void> {
  await db.update(retentionRuns).set({ finishedAt: at, status: 'finished', summary }).where(eq(retentionRuns.id, id));
}

/** Runs left 'running' by a crashed process are marked interrupted; the next run picks up what they left. */
export async function markInterruptedRuns(db: Database): Promise<void> {
  await db.update(retentionRuns).set({ status: 'interrupted' }).where(eq(retentionRuns.status, 'running'));
}

export async function listRuns(db: Database, limit = 50) {
  return db
    .select()
    .from(retentionRuns)
    .orderBy(sql`${retentionRuns.startedAt} desc`)
    .limit(limit);
}

export async function insertLegalHold(db: Database, values: typeof legalHolds.$inferInsert): Promise<void> {
  await db.insert(legalHolds).values(values);
}

export async function releaseLegalHolds(db: Database, childId: string, by: string, at: Date): Promise<number> {
  const rows = await db
    .update(legalHolds)
    .set({ releasedAt: at, releasedBy: by })
    .where(and(eq(legalHolds.childId, childId), isNull(legalHolds.releasedAt)))
    .returning({ id: legalHolds.id });
  return rows.length;
}
