import { boolean, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './schema-core';
import { children } from './schema-children';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** A legal hold (e.g. a public inquiry) blocks destruction of a child's records while it is in place. */
export const legalHolds = pgTable(
  'legal_holds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    childId: uuid('child_id')
      .notNull()
      .references(() => children.id),
    placedBy: uuid('placed_by')
      .notNull()
      .references(() => users.id),
    placedAt: at('placed_at').notNull(),
    reason: text('reason').notNull(),
    releasedAt: at('released_at'),
    releasedBy: uuid('released_by').references(() => users.id),
  },
  (t) => [index('legal_holds_child_idx').on(t.childId)],
);

/** What is left of a destroyed child: the fact, when, by which run, and counts — no personal data. */
export const childTombstones = pgTable('child_tombstones', {
  childId: uuid('child_id').primaryKey(),
  destroyedAt: at('destroyed_at').notNull(),
  runId: uuid('run_id').notNull(),
  counts: jsonb('counts').$type<Record<string, number>>().notNull(),
});

export const retentionRuns = pgTable('retention_runs', {
  id: uuid('id').primaryKey().defaultRandom(),
  startedAt: at('started_at').notNull(),
  finishedAt: at('finished_at'),
  dryRun: boolean('dry_run').notNull(),
  triggeredBy: uuid('triggered_by').references(() => users.id),
  status: text('status', { enum: ['running', 'finished', 'interrupted'] }).notNull(),
  summary: jsonb('summary').$type<Record<string, unknown>>(),
  /** Progress, kept on the row so any server process (and a reloaded page) can report it. */
  done: integer('done').notNull().default(0),
  /** Children due when the run started; null until they are counted. */
  total: integer('total'),
});

/** A subject access request about a child, with its one-month due date (UK GDPR Art 12(3)). */
export const subjectAccessRequests = pgTable(
  'subject_access_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    childId: uuid('child_id')
      .notNull()
      .references(() => children.id),
    requestedOn: text('requested_on').notNull(),
    dueOn: text('due_on').notNull(),
    requestedBy: text('requested_by', { enum: ['child', 'parent', 'representative'] }).notNull(),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    createdAt: at('created_at').notNull(),
    completedAt: at('completed_at'),
    completedBy: uuid('completed_by').references(() => users.id),
  },
  (t) => [index('subject_access_requests_child_idx').on(t.childId)],
);
