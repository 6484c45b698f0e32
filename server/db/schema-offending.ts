import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './schema-core';
import { children } from './schema-children';
import { shareLog } from './schema-shares';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** The designated officers on a marked child's case: the only people who see its special file. */
export const caseOfficers = pgTable(
  'case_officers',
  {
    childId: uuid('child_id')
      .notNull()
      .references(() => children.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    addedBy: uuid('added_by')
      .notNull()
      .references(() => users.id),
    addedAt: at('added_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.childId, t.userId] }), index('case_officers_user_idx').on(t.userId)],
);

/**
 * The duty to file a written record after an emergency verbal share. Never deleted: it is
 * discharged by filing, or cancelled by an admin with a reason. PostgreSQL is the source of
 * truth for reminders and escalations; the workers only act on what these rows say.
 */
export const obligations = pgTable(
  'obligations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    childId: uuid('child_id')
      .notNull()
      .references(() => children.id),
    verbalShareId: uuid('verbal_share_id')
      .notNull()
      .references(() => shareLog.id),
    officerId: uuid('officer_id')
      .notNull()
      .references(() => users.id),
    createdAt: at('created_at').notNull(),
    dueAt: at('due_at').notNull(),
    remindAt: at('remind_at').notNull(),
    remindedAt: at('reminded_at'),
    escalations: integer('escalations').notNull().default(0),
    lastEscalatedAt: at('last_escalated_at'),
    dischargedAt: at('discharged_at'),
    dischargedByMessageId: uuid('discharged_by_message_id'),
    cancelledAt: at('cancelled_at'),
    cancelledBy: uuid('cancelled_by').references(() => users.id),
    cancelReason: text('cancel_reason'),
  },
  (t) => [
    index('obligations_open_idx')
      .on(t.dueAt)
      .where(sql`${t.dischargedAt} is null and ${t.cancelledAt} is null`),
    index('obligations_officer_idx').on(t.officerId),
    index('obligations_child_idx').on(t.childId),
    index('obligations_verbal_share_idx').on(t.verbalShareId),
    check('obligations_one_ending', sql`not (${t.dischargedAt} is not null and ${t.cancelledAt} is not null)`),
    check('obligations_cancel_reason', sql`(${t.cancelledAt} is null) = (${t.cancelReason} is null)`),
  ],
);

/**
 * Notices to people: an obligation's reminder or escalation, or a word about their own account
 * (someone tried to register with their address), or, for system admins, that a reader's client
 * found something altered on the server (integrity_report), or the key log monitor found a fork or
 * damage in the key log (key_log_fork). Obligation notices are unique per obligation,
 * kind, round and person, so a job that runs twice cannot notify twice. Notices name no child
 * details and nothing about anyone else: a later e-mail outbox can send them as they are.
 */
export const notices = pgTable(
  'notices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    kind: text('kind', {
      enum: ['obligation_reminder', 'obligation_escalation', 'registration_attempt', 'case_unmarked', 'integrity_report', 'key_log_fork'],
    }).notNull(),
    obligationId: uuid('obligation_id').references(() => obligations.id),
    round: integer('round'),
    createdAt: at('created_at').notNull(),
    readAt: at('read_at'),
  },
  (t) => [
    uniqueIndex('notices_once').on(t.obligationId, t.kind, t.round, t.userId),
    index('notices_user_idx').on(t.userId, t.createdAt),
    check(
      'notices_obligation_kinds',
      sql`(${t.kind} in ('obligation_reminder', 'obligation_escalation')) = (${t.obligationId} is not null and ${t.round} is not null)`,
    ),
  ],
);
