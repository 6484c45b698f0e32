import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

export const agencyKind = pgEnum('agency_kind', ['children_social_care', 'police', 'health', 'education', 'youth_offending', 'voluntary', 'other']);

export const userRole = pgEnum('user_role', ['practitioner', 'designated_officer', 'agency_admin', 'system_admin']);

export const sessionStage = pgEnum('session_stage', ['mfa_required', 'enrolment_required', 'active']);

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

export const agencies = pgTable(
  'agencies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    kind: agencyKind('kind').notNull(),
    contactEmail: text('contact_email'),
    protocolSigned: boolean('protocol_signed').notNull().default(false),
    protocolSignedOn: date('protocol_signed_on', { mode: 'string' }),
    /** The agency lets its people sign in with a passkey alone, no password (never system admins: docs/sign-in.md). */
    passkeyOnlySignIn: boolean('passkey_only_sign_in').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('agencies_name_unique').on(sql`lower(${t.name})`),
    check('agencies_signed_has_date', sql`${t.protocolSigned} = (${t.protocolSignedOn} is not null)`),
  ],
);

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    agencyId: uuid('agency_id').references(() => agencies.id),
    role: userRole('role').notNull().default('practitioner'),
    passwordHash: text('password_hash').notNull(),
    totpSecret: text('totp_secret'),
    totpPendingSecret: text('totp_pending_secret'),
    totpEnrolledAt: timestamp('totp_enrolled_at', { withTimezone: true, mode: 'date' }),
    /** Last accepted TOTP time step: a code is accepted once only. */
    totpLastStep: bigint('totp_last_step', { mode: 'number' }),
    suspendedAt: timestamp('suspended_at', { withTimezone: true, mode: 'date' }),
    suspendedBy: uuid('suspended_by'),
    suspensionReason: text('suspension_reason'),
    registeredVia: text('registered_via', { enum: ['invite', 'self', 'seed', 'cli'] }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('users_email_unique').on(sql`lower(${t.email})`),
    index('users_agency_idx').on(t.agencyId),
    check('users_agency_required', sql`${t.role} = 'system_admin' or ${t.agencyId} is not null`),
  ],
);

/** Every verification ever made; the newest per user is the one in force. Rows are never updated. */
export const verifications = pgTable(
  'verifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    verifiedBy: uuid('verified_by')
      .notNull()
      .references(() => users.id),
    verifiedAt: timestamp('verified_at', { withTimezone: true, mode: 'date' }).notNull(),
    role: userRole('role').notNull(),
    identityCheckedBy: text('identity_checked_by').notNull(),
    identityCheckedOn: date('identity_checked_on', { mode: 'string' }).notNull(),
    vettingCheckedOn: date('vetting_checked_on', { mode: 'string' }).notNull(),
    trainingCompletedOn: date('training_completed_on', { mode: 'string' }).notNull(),
    expiresOn: date('expires_on', { mode: 'string' }).notNull(),
  },
  (t) => [index('verifications_user_idx').on(t.userId, t.verifiedAt)],
);

export const invites = pgTable('invites', {
  id: uuid('id').primaryKey().defaultRandom(),
  tokenHash: text('token_hash').notNull().unique(),
  email: text('email').notNull(),
  agencyId: uuid('agency_id')
    .notNull()
    .references(() => agencies.id),
  role: userRole('role').notNull(),
  createdBy: uuid('created_by')
    .notNull()
    .references(() => users.id),
  createdAt: createdAt(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
});

export const sessions = pgTable(
  'sessions',
  {
    /** BLAKE2b of the cookie's token: the token itself is never stored. */
    tokenHash: text('token_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    stage: sessionStage('stage').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/**
 * Self-service password resets (docs/sign-in.md): a single-use link, e-mailed, that expires. Only
 * the token's hash is kept; `used_at` is set once, in the transaction that changes the password.
 */
export const passwordResets = pgTable(
  'password_resets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('password_resets_user_idx').on(t.userId)],
);

/**
 * A person's passkeys (WebAuthn credentials). `binding` is a keyed hash, under a key derived from
 * the installation key (never in the database), over the user, credential id and public key: a
 * row written by someone holding only the database is refused at sign-in.
 */
export const passkeys = pgTable(
  'passkeys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    /** The credential id, base64url, as authenticators and browsers name it. */
    credentialId: text('credential_id').notNull().unique(),
    /** The COSE public key, base64url. */
    publicKey: text('public_key').notNull(),
    /** The authenticator's signature counter as last seen (0 for authenticators that keep none). */
    counter: bigint('counter', { mode: 'number' }).notNull(),
    transports: text('transports').array().notNull(),
    name: text('name').notNull(),
    backedUp: boolean('backed_up').notNull(),
    binding: text('binding').notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('passkeys_user_idx').on(t.userId)],
);

/**
 * Outstanding WebAuthn challenges, each used once: for registering a passkey and for a second
 * factor, tied to the session (its token hash); for signing in with a passkey alone, to nobody
 * yet (the challenge itself is the handle, and only its hash is kept).
 */
export const passkeyChallenges = pgTable(
  'passkey_challenges',
  {
    challengeHash: text('challenge_hash').primaryKey(),
    purpose: text('purpose', { enum: ['register', 'second_factor', 'sign_in'] }).notNull(),
    sessionTokenHash: text('session_token_hash'),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    index('passkey_challenges_expiry_idx').on(t.expiresAt),
    check('passkey_challenges_session', sql`(${t.purpose} = 'sign_in') = (${t.sessionTokenHash} is null)`),
  ],
);

/**
 * Admin-assisted recovery of a lost second factor (docs/sign-in.md): an admin records how and when
 * they checked the person's identity; for an admin or a designated officer a different admin
 * confirms before the link goes. Only the link token's hash is kept; `used_at` is set once, in the
 * transaction that clears the old authenticator. `requested_by` is null when the operator did it
 * at the server's command line.
 */
export const mfaRecoveries = pgTable(
  'mfa_recoveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    requestedBy: uuid('requested_by').references(() => users.id),
    identityCheckMethod: text('identity_check_method').notNull(),
    identityCheckedAt: timestamp('identity_checked_at', { withTimezone: true, mode: 'date' }).notNull(),
    reason: text('reason').notNull(),
    needsConfirmation: boolean('needs_confirmation').notNull(),
    confirmedBy: uuid('confirmed_by').references(() => users.id),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true, mode: 'date' }),
    tokenHash: text('token_hash').unique(),
    createdAt: createdAt(),
    /** Until when the request waits for a confirmation, then until when the link works. */
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date' }),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true, mode: 'date' }),
    /** The newer request that ended this one (a recovery an admin cancelled has none). */
    replacedBy: uuid('replaced_by').references((): AnyPgColumn => mfaRecoveries.id),
    /**
     * Set when the person cancelled it themselves, signed in with their current second factor:
     * `not_requested` (they say they never asked: someone may have posed as them) or
     * `no_longer_needed`. Null when an admin cancelled it.
     */
    cancelledByPerson: text('cancelled_by_person', { enum: ['not_requested', 'no_longer_needed'] }),
  },
  (t) => [
    index('mfa_recoveries_user_idx').on(t.userId),
    check(
      'mfa_recoveries_cancelled_by_person',
      sql`${t.cancelledByPerson} is null or (${t.cancelledByPerson} in ('not_requested', 'no_longer_needed') and ${t.cancelledAt} is not null)`,
    ),
  ],
);

/**
 * Fixed-window counters for throttling (sign-ins, sends). UNLOGGED (migration 0022): a crash only
 * resets the counts, and a hit then commits without waiting for a disk flush.
 */
export const throttles = pgTable('throttles', {
  key: text('key').primaryKey(),
  count: integer('count').notNull(),
  resetAt: timestamp('reset_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/**
 * rate-limiter-flexible's counters (`RateLimiterDrizzle`): failed sign-ins per address and per
 * account, the waits they impose, and attempts per address. Keys are a limiter's prefix and a
 * BLAKE2b hash, never an e-mail address. Logged, unlike `throttles`: a crash must not lift a lock.
 */
export const rateLimits = pgTable(
  'rate_limits',
  {
    key: text('key').primaryKey(),
    points: integer('points').notNull(),
    expire: timestamp('expire', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('rate_limits_expire_idx').on(t.expire)],
);

/** Append-only, hash-chained (see crypto/audit-chain.ts and docs/audit-chain.md). */
export const auditEntries = pgTable(
  'audit_entries',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, mode: 'date', precision: 3 }).notNull(),
    actorId: uuid('actor_id'),
    agencyId: uuid('agency_id'),
    action: text('action').notNull(),
    subjectType: text('subject_type'),
    subjectId: text('subject_id'),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [index('audit_actor_idx').on(t.actorId, t.seq), index('audit_subject_idx').on(t.subjectId, t.seq), index('audit_action_idx').on(t.action, t.seq)],
);

/**
 * Private detail of audit entries (search terms, free-text reasons), kept apart so it can be
 * destroyed with a child's records; the chained entry holds only its salted digest.
 */
export const auditPrivate = pgTable(
  'audit_private',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    salt: text('salt').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull(),
    childIds: uuid('child_ids').array().notNull(),
  },
  (t) => [index('audit_private_children_idx').using('gin', t.childIds)],
);

/**
 * Anchors of the audit chain head (sequence, hash, time), each signed with the installation's
 * anchor key (kept outside the database): later truncation or rewriting is detectable against them.
 * Anchors from before signing have no signature and only ever add checks, never vouch.
 */
export const auditAnchors = pgTable('audit_anchors', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  hash: text('hash').notNull(),
  anchoredAt: timestamp('anchored_at', { withTimezone: true, mode: 'date' }).notNull(),
  /** Ed25519 over crypto/audit-anchor.ts `auditAnchorMessage`, base64url. */
  signature: text('signature'),
  /** The anchor key's public key (base64url): says which key to check the signature with. */
  keyId: text('key_id'),
  /** The last entry in the unkeyed format v1 this anchor vouches for (0: none); signed with the rest. */
  legacyThrough: bigint('legacy_through', { mode: 'number' }),
});
