import { sql } from 'drizzle-orm';
import { bigint, check, customType, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './schema-core';
import { children } from './schema-children';
import { messages, threads } from './schema-messages';
import { shareLog } from './schema-shares';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Raw bytes: node-postgres answers a Buffer, PGlite a Uint8Array; both are Uint8Arrays. */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });

/**
 * An encrypted file (docs/attachments.md). The server holds only what it needs to store and guard
 * it: who uploaded it, for which conversation (and so which child) or, with no conversation, for
 * a verbal share about which child; its padded encrypted size, how much has arrived, and, once sent,
 * the message or the logged verbal share it belongs to (never both). Name, type, key and plaintext
 * size travel inside the signed envelope body, or a verbal share's sealed summary. When its ciphertext is deleted (revoked message, orphan,
 * cancel, retention) the row stays, with `deleted_at` and why, until the child's records go.
 */
export const attachments = pgTable(
  'attachments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    uploaderId: uuid('uploader_id')
      .notNull()
      .references(() => users.id),
    /** Null for a file uploaded for a verbal share, which has no conversation. */
    threadId: uuid('thread_id').references(() => threads.id),
    childId: uuid('child_id')
      .notNull()
      .references(() => children.id),
    /** Padded encrypted size (a Padmé bucket), declared at creation; exactly this many bytes are stored. */
    size: bigint('size', { mode: 'number' }).notNull(),
    received: bigint('received', { mode: 'number' }).notNull().default(0),
    /** Which blob store holds the chunks: `pg` (attachment_chunks) or `fs` (HAVEN_BLOB_DIR). */
    store: text('store').notNull(),
    createdAt: at('created_at').notNull(),
    completedAt: at('completed_at'),
    messageId: uuid('message_id').references(() => messages.id),
    /** The verbal share (share log entry) it was logged with. */
    shareId: uuid('share_id').references(() => shareLog.id),
    deletedAt: at('deleted_at'),
    deletedBecause: text('deleted_because'),
  },
  (t) => [
    index('attachments_uploader_idx').on(t.uploaderId),
    index('attachments_thread_idx').on(t.threadId),
    index('attachments_child_idx').on(t.childId),
    index('attachments_message_idx').on(t.messageId),
    index('attachments_share_idx').on(t.shareId),
    // A file goes with a message in a conversation, or with a verbal share outside any: never both.
    check('attachments_message_in_thread', sql`${t.messageId} is null or ${t.threadId} is not null`),
    check('attachments_share_without_thread', sql`${t.shareId} is null or ${t.threadId} is null`),
  ],
);

/** The default blob store: encrypted chunks in PostgreSQL, so backups and retention cover them. */
export const attachmentChunks = pgTable(
  'attachment_chunks',
  {
    attachmentId: uuid('attachment_id')
      .notNull()
      .references(() => attachments.id),
    offset: bigint('offset', { mode: 'number' }).notNull(),
    length: integer('length').notNull(),
    data: bytea('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.attachmentId, t.offset] })],
);
