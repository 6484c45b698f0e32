import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './schema-core';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * What a reader's client found altered on the server (docs/envelope.md, "Where an envelope is
 * shown"; docs/sealed-note.md): an envelope listed somewhere its signed header does not say, or
 * a summary not signed by the practitioner who recorded it. One row per reporter, kind, subject
 * and reason, so a client that reports again adds nothing. Ids only: the subject (a message or a
 * share) has no foreign key, because the retention schedule may destroy it while the report stays.
 */
export const integrityReports = pgTable(
  'integrity_reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    reporterId: uuid('reporter_id')
      .notNull()
      .references(() => users.id),
    kind: text('kind', { enum: ['envelope_misplaced', 'summary_not_signed', 'key_log_fork'] }).notNull(),
    reason: text('reason').notNull(),
    /** The message id (envelope_misplaced), the share id (summary_not_signed) as the server listed it, or the pair of heads' id (key_log_fork, forkSubjectId). */
    subjectId: uuid('subject_id').notNull(),
    threadId: uuid('thread_id'),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('integrity_reports_once').on(t.reporterId, t.kind, t.subjectId, t.reason),
    index('integrity_reports_reporter_idx').on(t.reporterId, t.createdAt),
  ],
);
