import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * What the background workers last did, kept where the truth is (PostgreSQL), so every server
 * process can tell — in /api/health, the metrics and `npm run haven -- verify` — whether a
 * schedule has stopped running, wherever the workers run and whatever happened to Redis.
 */
export const jobRuns = pgTable('job_runs', {
  /** A job name of workers/jobs.ts. */
  name: text('name').primaryKey(),
  /** How often the job is scheduled to run. */
  everyMs: integer('every_ms').notNull(),
  /** When a worker first declared this schedule: the reference until the job first finishes. */
  declaredAt: timestamp('declared_at', { withTimezone: true, mode: 'date' }).notNull(),
  lastFinishedAt: timestamp('last_finished_at', { withTimezone: true, mode: 'date' }),
  /** How many times a worker found the schedule missing from Redis and declared it again. */
  redeclared: integer('redeclared').notNull().default(0),
});
