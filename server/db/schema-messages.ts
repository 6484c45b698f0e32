import { sql } from 'drizzle-orm';
import { bigint, check, index, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './schema-core';
import { children } from './schema-children';
import { shareTier } from './schema-shares';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** A conversation about one child between named practitioners. */
export const threads = pgTable('threads', {
  id: uuid('id').primaryKey().defaultRandom(),
  childId: uuid('child_id')
    .notNull()
    .references(() => children.id),
  tier: shareTier('tier').notNull(),
  createdBy: uuid('created_by')
    .notNull()
    .references(() => users.id),
  createdAt: at('created_at').notNull(),
});

export const threadParticipants = pgTable(
  'thread_participants',
  {
    threadId: uuid('thread_id')
      .notNull()
      .references(() => threads.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    addedBy: uuid('added_by')
      .notNull()
      .references(() => users.id),
    addedAt: at('added_at').notNull(),
    /** Why they need to know, when their agency is not involved with the child. */
    needToKnowReason: text('need_to_know_reason'),
  },
  (t) => [primaryKey({ columns: [t.threadId, t.userId] }), index('thread_participants_user_idx').on(t.userId)],
);

/**
 * Stored envelopes (docs/envelope.md). `id` is the client-made envelope id, so a resend is
 * recognised. The header is readable for policy and audit (inside `envelope`); the body never is.
 * A revoked message loses its envelope and keeps its header in `header`: only then is the header
 * stored on its own (storing it twice for every message cost a kilobyte a row on the hot path;
 * rows of earlier versions have it too). Read it as `coalesce(header, envelope -> 'header')`.
 */
export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey(),
    threadId: uuid('thread_id')
      .notNull()
      .references(() => threads.id),
    childId: uuid('child_id')
      .notNull()
      .references(() => children.id),
    senderId: uuid('sender_id')
      .notNull()
      .references(() => users.id),
    header: jsonb('header').$type<Record<string, unknown>>(),
    envelope: jsonb('envelope').$type<Record<string, unknown>>(),
    signature: text('signature').notNull(),
    storedAt: at('stored_at').notNull(),
    revokedAt: at('revoked_at'),
    /**
     * Key grants (crypto/key-grant.ts) for readers an envelope v3 named as pending, each signed by
     * a reader the header names; appended once per pending reader, never changed.
     */
    keyGrants: jsonb('key_grants').$type<Record<string, unknown>[]>().notNull().default([]),
  },
  (t) => [
    index('messages_thread_idx').on(t.threadId, t.storedAt),
    index('messages_child_idx').on(t.childId),
    // The header is never lost: in the envelope, or kept on its own once the envelope goes.
    check('messages_header_kept', sql`${t.envelope} is not null or ${t.header} is not null`),
  ],
);

/** One row per reader (recipients and the sender's own copy), with that reader's sequence number. */
export const deliveries = pgTable(
  'deliveries',
  {
    messageId: uuid('message_id')
      .notNull()
      .references(() => messages.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    deliveredAt: at('delivered_at'),
    readAt: at('read_at'),
  },
  (t) => [primaryKey({ columns: [t.messageId, t.userId] }), uniqueIndex('deliveries_user_seq').on(t.userId, t.seq)],
);

/** Each user's last assigned delivery sequence number. */
export const userSequences = pgTable('user_sequences', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
});
