import { bigint, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './schema-core';

/** Each user's public identity keys (the private halves never reach the server unencrypted). */
export const userKeys = pgTable('user_keys', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id),
  signPublicKey: text('sign_public_key').notNull(),
  boxPublicKey: text('box_public_key').notNull(),
  fingerprint: text('fingerprint').notNull(),
  /** The browser's proof that it holds these keys (docs/key-log.md); null for keys published before proofs. */
  possessionProof: text('possession_proof'),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/**
 * Every public key ever published, with the one user it belongs to: a key is never accepted for
 * a second user, now or after its owner replaced it. Rows are never deleted.
 */
export const keyClaims = pgTable('key_claims', {
  publicKey: text('public_key').primaryKey(),
  userId: uuid('user_id')
    .notNull()
    .references(() => users.id),
  claimedAt: timestamp('claimed_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/** Leaves of the append-only key log (docs/key-log.md); `seq` is the leaf index, from 0. */
export const keyLogLeaves = pgTable(
  'key_log_leaves',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    entry: jsonb('entry').$type<Record<string, unknown>>().notNull(),
    leafHash: text('leaf_hash').notNull(),
  },
  (t) => [index('key_log_leaves_user_idx').on(t.userId, t.seq)],
);

/** Every signed tree head the log has issued, so any of them can be proved consistent with the latest. */
export const keyLogHeads = pgTable('key_log_heads', {
  treeSize: bigint('tree_size', { mode: 'number' }).primaryKey(),
  rootHash: text('root_hash').notNull(),
  timestamp: text('timestamp').notNull(),
  signature: text('signature').notNull(),
});

/**
 * Secrets installations before issue 17 generated into the database (the key log's signing seed,
 * 'key_log_seed'). Nothing is written here any more; the server refuses to start while that seed
 * is still here (server/trust-roots/start-check.ts).
 */
export const serverSecrets = pgTable('server_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
});

/** Each user's private keys, encrypted in the browser under their recovery passphrase (docs/key-backup.md). */
export const keyBackups = pgTable('key_backups', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id),
  backup: jsonb('backup').$type<Record<string, unknown>>().notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/**
 * Admin certificates (crypto/admin-certificate.ts): the organisation root's signature over an
 * admin's signing key, role and agency, made with `npm run haven -- certify-admin`. Appended, never
 * changed: a new certificate (new keys, new role) is a new row, and clients pick the one for the
 * key they check. The server cannot make one; clients verify each against their build's org root.
 */
export const adminCertificates = pgTable(
  'admin_certificates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    certificate: jsonb('certificate').$type<Record<string, unknown>>().notNull(),
    signature: text('signature').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('admin_certificates_user_idx').on(t.userId, t.createdAt)],
);

/**
 * Revocations of admin certificates, each signed by the organisation root at the command line
 * (crypto/admin-certificate.ts). Rows only store what the root signed: clients verify each
 * against the root in their build, and keep those they have seen, so a row added here revokes
 * nothing unless signed, and a row deleted here un-revokes nothing for a device that saw it.
 */
export const adminCertificateRevocations = pgTable(
  'admin_certificate_revocations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    revocation: jsonb('revocation').$type<Record<string, unknown>>().notNull(),
    signature: text('signature').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('admin_certificate_revocations_user_idx').on(t.userId, t.createdAt)],
);
