import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db';
import { childTombstones, children, legalHolds, retentionRuns, threads } from '../db/schema';

/**
 * Whether a child's records are due for destruction on `today`: past the index age (or, with a
 * special file, the later of the two ages), and under no active legal hold.
 */
function isDue(today: string, ages: { index: number; specialFile: number }) {
  const ageAtDestruction = sql`case
    when exists (select 1 from ${threads} t where t.child_id = "children"."id" and t.tier = 'offending_risk') then greatest(${ages.index}::int, ${ages.specialFile}::int)
    else ${ages.index}::int end`;
  return and(
    sql`${children.dateOfBirth} + make_interval(years => ${ageAtDestruction}) <= ${today}::date`,
    sql`not exists (select 1 from ${legalHolds} h where h.child_id = "children"."id" and h.released_at is null)`,
  );
}

/** Where a page of due children ends: the next page starts after it. */
export interface DueCursor {
  id: string;
  dateOfBirth: string;
}

/** Children whose records are due for destruction on `today`, oldest first, a page after `after`. */
export async function dueChildren(
  db: Database,
  today: string,
  ages: { index: number; specialFile: number },
  limit: number,
  after: DueCursor | null = null,
): Promise<DueCursor[]> {
  return db
    .select({ id: children.id, dateOfBirth: children.dateOfBirth })
    .from(children)
    .where(
      and(
        // No child is destroyed younger than the index age: a range the date-of-birth index can
        // serve, before isDue applies each child's exact age.
        sql`${children.dateOfBirth} <= ${today}::date - make_interval(years => ${ages.index}::int)`,
        after ? sql`(${children.dateOfBirth}, ${children.id}) > (${after.dateOfBirth}::date, ${after.id}::uuid)` : undefined,
        isDue(today, ages),
      ),
    )
    .orderBy(children.dateOfBirth, children.id)
    .limit(limit);
}

/** How many children are due on `today`: a run's total, counted before it starts. */
export async function countDueChildren(db: Database, today: string, ages: { index: number; specialFile: number }): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(children)
    .where(and(sql`${children.dateOfBirth} <= ${today}::date - make_interval(years => ${ages.index}::int)`, isDue(today, ages)));
  return row?.n ?? 0;
}

export async function heldChildren(db: Database, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await db
    .select({ childId: legalHolds.childId })
    .from(legalHolds)
    .where(and(inArray(legalHolds.childId, ids), isNull(legalHolds.releasedAt)));
  return rows.map((r) => r.childId);
}

/**
 * A batch's tombstones in one statement with one parameter (the rows as JSON): a multi-row insert
 * would bind four parameters per child, which PostgreSQL parses far more slowly for a batch.
 */
export async function insertTombstones(tx: Database, values: (typeof childTombstones.$inferInsert)[]): Promise<void> {
  if (!values.length) return;
  const rows = JSON.stringify(values.map((v) => ({ child_id: v.childId, destroyed_at: v.destroyedAt.toISOString(), run_id: v.runId, counts: v.counts })));
  await tx.execute(sql`insert into ${childTombstones} (child_id, destroyed_at, run_id, counts)
    select child_id, destroyed_at, run_id, counts
      from json_to_recordset(${rows}::json) as r(child_id uuid, destroyed_at timestamptz, run_id uuid, counts jsonb)
    on conflict do nothing`);
}

export async function insertRun(db: Database, values: typeof retentionRuns.$inferInsert): Promise<string> {
  const [row] = await db.insert(retentionRuns).values(values).returning({ id: retentionRuns.id });
  if (!row) throw new Error('insert returned no row');
  return row.id;
}

export async function finishRun(db: Database, id: string, at: Date, summary: { children: number } & Record<string, unknown>): Promise<void> {
  await db
    .update(retentionRuns)
    .set({ finishedAt: at, status: 'finished', summary, done: summary.children, total: summary.children })
    .where(eq(retentionRuns.id, id));
}

/** Never moves back: batches running side by side can report out of order. */
export async function updateRunProgress(db: Database, id: string, progress: { done: number; total: number }): Promise<void> {
  await db
    .update(retentionRuns)
    .set({
      done: sql`greatest(coalesce(${retentionRuns.done}, 0), ${progress.done}::int)`,
      total: sql`greatest(coalesce(${retentionRuns.total}, 0), ${progress.total}::int)`,
    })
    .where(eq(retentionRuns.id, id));
}

export async function findRun(db: Database, id: string) {
  const [row] = await db.select().from(retentionRuns).where(eq(retentionRuns.id, id));
  return row ?? null;
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

/** Totals for the metrics: runs by kind and status, the last finished run of each kind, children destroyed. */
export async function retentionTotals(db: Database): Promise<{
  runs: { dryRun: boolean; status: string; count: number; lastFinishedAt: Date | null }[];
  childrenDestroyed: number;
}> {
  const runs = await db
    .select({
      dryRun: retentionRuns.dryRun,
      status: retentionRuns.status,
      count: sql<number>`count(*)::int`,
      lastFinishedAt: sql<Date | null>`max(${retentionRuns.finishedAt})`.mapWith(retentionRuns.finishedAt),
    })
    .from(retentionRuns)
    .groupBy(retentionRuns.dryRun, retentionRuns.status);
  const [destroyed] = await db.select({ n: sql<number>`count(*)::int` }).from(childTombstones);
  return {
    runs,
    childrenDestroyed: destroyed?.n ?? 0,
  };
}
