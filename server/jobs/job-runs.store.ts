import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db';
import { jobRuns } from '../db/schema';

export type JobRunRow = typeof jobRuns.$inferSelect;

/** A worker declares a schedule: the row appears once (its declaration time is kept), its interval follows the configuration. */
export async function recordSchedule(db: Database, name: string, everyMs: number, at: Date): Promise<void> {
  await db.insert(jobRuns).values({ name, everyMs, declaredAt: at }).onConflictDoUpdate({ target: jobRuns.name, set: { everyMs } });
}

/** A schedule was missing from Redis and was declared again. */
export async function countRedeclared(db: Database, name: string): Promise<void> {
  await db
    .update(jobRuns)
    .set({ redeclared: sql`${jobRuns.redeclared} + 1` })
    .where(eq(jobRuns.name, name));
}

export async function recordJobFinished(db: Database, name: string, at: Date): Promise<void> {
  await db.update(jobRuns).set({ lastFinishedAt: at }).where(eq(jobRuns.name, name));
}

export async function listJobRuns(db: Database): Promise<JobRunRow[]> {
  return db.select().from(jobRuns);
}
