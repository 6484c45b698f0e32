import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './schema-core';

/** Each user's public identity keys (the private halves never reach the server unencrypted). */
export const userKeys = pgTable('user_keys', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id),
  signPublicKey: text('sign_public_key').notNull(),
  boxPublicKey: text('box_public_key').notNull(),
  fingerprint: text('fingerprint').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
});
