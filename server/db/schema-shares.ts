import { sql } from 'drizzle-orm';
import { boolean, check, index, jsonb, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { agencies, userRole, users } from './schema-core';
import { children } from './schema-children';

export const shareKind = pgEnum('share_kind', ['verbal', 'decision_not_to_share', 'decision_reopened', 'thread_started', 'participant_added']);
export const shareTier = pgEnum('share_tier', ['welfare', 'offending_risk']);

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * The share log: every share of information about a child, and every decision not to share,
 * as an immutable entry (a correction is a new entry pointing at the original). The share
 * record (consent tag, purpose, legal basis…) is stored as validated JSON: server/shares/share-record.ts.
 */
export const shareLog = pgTable(
  'share_log',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: shareKind('kind').notNull(),
    childId: uuid('child_id')
      .notNull()
      .references(() => children.id),
    tier: shareTier('tier').notNull(),
    senderId: uuid('sender_id')
      .notNull()
      .references(() => users.id),
    senderAgencyId: uuid('sender_agency_id')
      .notNull()
      .references(() => agencies.id),
    senderRole: userRole('sender_role').notNull(),
    /** When it actually happened (a verbal share is logged after the fact). */
    occurredAt: at('occurred_at').notNull(),
    recordedAt: at('recorded_at').notNull(),
    /** The share record of a share, or the decision record of a decision not to share. */
    record: jsonb('record').$type<Record<string, unknown>>().notNull(),
    /** Optional summary, end-to-end encrypted to the sender and participants (docs/sealed-note.md). */
    summary: jsonb('summary').$type<Record<string, unknown>>(),
    correctsId: uuid('corrects_id'),
    correctionReason: text('correction_reason'),
  },
  (t) => [
    index('share_log_child_idx').on(t.childId, t.occurredAt),
    index('share_log_sender_idx').on(t.senderId),
    check('share_log_correction', sql`(${t.correctsId} is null) = (${t.correctionReason} is null)`),
  ],
);

/** Who else took part: a verified user of Haven, or a named person of a registered agency. */
export const shareParticipants = pgTable(
  'share_participants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    shareId: uuid('share_id')
      .notNull()
      .references(() => shareLog.id),
    userId: uuid('user_id').references(() => users.id),
    externalName: text('external_name'),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id),
    /** Set when the recipient's agency is not involved with the child: why they needed to know. */
    needToKnowReason: text('need_to_know_reason'),
    /** Keep this person's identity out of subject-access output. */
    protectIdentity: boolean('protect_identity').notNull().default(false),
  },
  (t) => [
    index('share_participants_share_idx').on(t.shareId),
    index('share_participants_user_idx').on(t.userId),
    check('share_participants_who', sql`(${t.userId} is null) <> (${t.externalName} is null)`),
  ],
);
