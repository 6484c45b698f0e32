import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { agencies, users } from './schema-core';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** What a notice is about; its words are fixed templates (server/notifications/templates.ts). */
export const MAIL_KINDS = [
  'new_messages',
  'invitation',
  'account_verified',
  'account_suspended',
  'account_reinstated',
  'new_sign_in',
  'password_reset',
  'password_changed',
  'passkey_added',
  'mfa_recovery_link',
  'mfa_recovery_started',
  'mfa_recovery_cancelled',
  'mfa_recovery_admin_alert',
  'mfa_recovered',
  'obligation_reminder',
  'obligation_overdue',
  'obligation_escalation',
] as const;

export const MAIL_STATUSES = ['queued', 'sending', 'sent', 'failed', 'skipped'] as const;

/**
 * Notices waiting to be sent, written in the transaction of the event that causes them
 * (docs/notifications.md). The row is the truth about a notice: BullMQ only carries wake-ups, and
 * a sweep enqueues again whatever is queued. Content-free by construction: the payload holds
 * counts, dates and rounds only (checked by zod per kind), never a child, a name or a message.
 * No foreign key to a child or an obligation, so retention never has to touch the outbox.
 */
export const mailOutbox = pgTable(
  'mail_outbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Only e-mail for now; Web Push would be another channel of the same rows. */
    channel: text('channel', { enum: ['email'] })
      .notNull()
      .default('email'),
    /** The recipient's account; their address is read when the notice is sent. */
    userId: uuid('user_id').references(() => users.id),
    /** For a recipient without an account yet (an invitation). */
    address: text('address'),
    kind: text('kind', { enum: MAIL_KINDS }).notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    /** An invitation's token, needed for its link; wiped once sent (the database keeps only its hash elsewhere). */
    linkToken: text('link_token'),
    status: text('status', { enum: MAIL_STATUSES }).notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    /** Not before: a digest's gathering time, or the backoff after a temporary failure. */
    nextAttemptAt: at('next_attempt_at').notNull(),
    /** While `sending`: when the sender is presumed dead (the sweep then marks the row failed, never sends it again by itself). */
    leaseUntil: at('lease_until'),
    /** Set at the first attempt and kept: every attempt of this notice carries the same Message-ID. */
    messageId: text('message_id').unique(),
    /** The SMTP reply code and class, or a kind of failure; never an address or a server's free text. */
    lastError: text('last_error'),
    createdAt: at('created_at').notNull(),
    sentAt: at('sent_at'),
  },
  (t) => [
    check('mail_outbox_one_recipient', sql`(${t.userId} is null) <> (${t.address} is null)`),
    check('mail_outbox_channel', sql`${t.channel} in ('email')`),
    check('mail_outbox_status', sql.raw(`status in (${MAIL_STATUSES.map((s) => `'${s}'`).join(', ')})`)),
    check('mail_outbox_kind', sql.raw(`kind in (${MAIL_KINDS.map((k) => `'${k}'`).join(', ')})`)),
    // New messages and sign-ins gather: one waiting notice per person and kind, however many events.
    uniqueIndex('mail_outbox_one_waiting')
      .on(t.userId, t.kind)
      .where(sql`${t.status} = 'queued' and ${t.kind} in ('new_messages', 'new_sign_in')`),
    index('mail_outbox_queued_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = 'queued'`),
    index('mail_outbox_status_idx').on(t.status, t.createdAt),
    index('mail_outbox_user_idx').on(t.userId, t.kind, t.sentAt),
  ],
);

/**
 * A person's own choices of what comes by e-mail and when (server/notifications/preference-rules.ts;
 * validated when read: anything else there counts as no choice). No row: their agency's defaults.
 */
export const notificationPreferences = pgTable('notification_preferences', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull(),
  updatedAt: at('updated_at').notNull(),
});

/** An agency's defaults for its people who have not chosen, set by its admins (or a system admin). */
export const agencyNotificationDefaults = pgTable('agency_notification_defaults', {
  agencyId: uuid('agency_id')
    .primaryKey()
    .references(() => agencies.id),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull(),
  updatedBy: uuid('updated_by')
    .notNull()
    .references(() => users.id),
  updatedAt: at('updated_at').notNull(),
});
