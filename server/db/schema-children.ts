import { sql } from 'drizzle-orm';
import { check, date, index, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { agencies, users } from './schema-core';

export const childGender = pgEnum('child_gender', ['female', 'male', 'other', 'not_recorded']);

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export interface ParentContact {
  name: string;
  relationship: 'mother' | 'father' | 'parental_responsibility' | 'carer';
  contact: string | null;
  /** A third party whose identity must not be passed on (onward shares, subject-access output). */
  protectIdentity?: boolean;
}

/**
 * The children's index: minimum information only (DESIGN §1). No case notes, no reasons for
 * involvement. `nameKey`/`postcodeKey` are normalised copies for searching.
 */
export const children = pgTable(
  'children',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    nameKey: text('name_key').notNull(),
    dateOfBirth: date('date_of_birth', { mode: 'string' }).notNull(),
    gender: childGender('gender').notNull(),
    address: text('address').notNull(),
    postcode: text('postcode').notNull(),
    postcodeKey: text('postcode_key').notNull(),
    parents: jsonb('parents').$type<ParentContact[]>().notNull(),
    schoolOrSetting: text('school_or_setting'),
    gp: text('gp'),
    healthVisitor: text('health_visitor'),
    sourceAgencyId: uuid('source_agency_id')
      .notNull()
      .references(() => agencies.id),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => users.id),
    createdAt: at('created_at').notNull(),
    lastVerifiedAt: at('last_verified_at').notNull(),
    lastVerifiedBy: uuid('last_verified_by')
      .notNull()
      .references(() => users.id),
    shieldedAt: at('shielded_at'),
    shieldedBy: uuid('shielded_by').references(() => users.id),
    /** Marked by a designated officer as at risk of offending: shares then follow the offending-risk tier. */
    offendingRiskMarkedAt: at('offending_risk_marked_at'),
    /** Who last marked the child; kept after the mark is removed (the admin route answers to their agency). */
    offendingRiskMarkedBy: uuid('offending_risk_marked_by').references(() => users.id),
    /** Set when no agency is involved and no concern is open: the child is no longer indexed. */
    delistedAt: at('delisted_at'),
  },
  (t) => [
    index('children_name_trgm').using('gin', sql`${t.nameKey} gin_trgm_ops`),
    // With the id, the retention sweep pages through due children by (date of birth, id) from
    // where it stopped, instead of sorting every candidate (and skipping destroyed ones) per page.
    index('children_dob_id_idx').on(t.dateOfBirth, t.id),
    index('children_postcode_idx').on(t.postcodeKey),
  ],
);

/** Contact details of an agency providing a specialist service — never the reason. */
export const specialistContacts = pgTable(
  'specialist_contacts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    childId: uuid('child_id')
      .notNull()
      .references(() => children.id),
    service: text('service').notNull(),
    contact: text('contact').notNull(),
    addedBy: uuid('added_by')
      .notNull()
      .references(() => users.id),
    addedAt: at('added_at').notNull(),
    removedAt: at('removed_at'),
    shieldedAt: at('shielded_at'),
    shieldedBy: uuid('shielded_by').references(() => users.id),
  },
  (t) => [index('specialist_contacts_child_idx').on(t.childId)],
);

/** "My agency provides a service to this child": open while `endedAt` is null. */
export const involvements = pgTable(
  'involvements',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    childId: uuid('child_id')
      .notNull()
      .references(() => children.id),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id),
    startedBy: uuid('started_by')
      .notNull()
      .references(() => users.id),
    startedAt: at('started_at').notNull(),
    endedBy: uuid('ended_by').references(() => users.id),
    endedAt: at('ended_at'),
  },
  (t) => [
    uniqueIndex('involvements_one_open_per_agency')
      .on(t.childId, t.agencyId)
      .where(sql`${t.endedAt} is null`),
    index('involvements_agency_idx').on(t.agencyId),
    // The partial index above cannot serve foreign-key checks or lookups of ended involvements.
    index('involvements_child_idx').on(t.childId),
  ],
);

/** A flag of concern: who raised it and when — never any detail. */
export const concernFlags = pgTable(
  'concern_flags',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    childId: uuid('child_id')
      .notNull()
      .references(() => children.id),
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id),
    raisedBy: uuid('raised_by')
      .notNull()
      .references(() => users.id),
    raisedAt: at('raised_at').notNull(),
    clearedBy: uuid('cleared_by').references(() => users.id),
    clearedAt: at('cleared_at'),
  },
  (t) => [index('concern_flags_child_idx').on(t.childId)],
);

/** A shield override lasts for the session that made it, and only for that child. */
export const shieldOverrides = pgTable(
  'shield_overrides',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionTokenHash: text('session_token_hash').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    childId: uuid('child_id')
      .notNull()
      .references(() => children.id),
    reason: text('reason').notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [index('shield_overrides_session_idx').on(t.sessionTokenHash, t.childId), index('shield_overrides_child_idx').on(t.childId)],
);

/**
 * Alerts to agency admins: a shield was overridden (the actor overrode it), or an account was
 * locked after many failed sign-ins (the actor is the locked account). They carry ids, never personal data.
 */
export const adminAlerts = pgTable(
  'admin_alerts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    agencyId: uuid('agency_id').references(() => agencies.id),
    kind: text('kind', { enum: ['shield_override', 'account_locked'] }).notNull(),
    actorId: uuid('actor_id')
      .notNull()
      .references(() => users.id),
    childId: uuid('child_id').references(() => children.id),
    createdAt: at('created_at').notNull(),
    acknowledgedAt: at('acknowledged_at'),
    acknowledgedBy: uuid('acknowledged_by').references(() => users.id),
  },
  (t) => [
    index('admin_alerts_agency_idx').on(t.agencyId, t.createdAt),
    index('admin_alerts_child_idx').on(t.childId),
    check('admin_alerts_ack', sql`(${t.acknowledgedAt} is null) = (${t.acknowledgedBy} is null)`),
  ],
);

/**
 * A lead practitioner for a child, appointed by an admin of an agency involved with the child from
 * their own staff (docs/api.md, "Lead practitioner"). At most one appointment per child is current
 * (`endedAt` null): the partial unique index is what decides when two admins appoint at once.
 */
export const leadPractitioners = pgTable(
  'lead_practitioners',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    childId: uuid('child_id')
      .notNull()
      .references(() => children.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    /** The appointing agency (the lead's own): their view of the chronology lasts while it serves the child. */
    agencyId: uuid('agency_id')
      .notNull()
      .references(() => agencies.id),
    appointedBy: uuid('appointed_by')
      .notNull()
      .references(() => users.id),
    appointedAt: at('appointed_at').notNull(),
    reason: text('reason').notNull(),
    endedAt: at('ended_at'),
    endedBy: uuid('ended_by').references(() => users.id),
  },
  (t) => [
    uniqueIndex('lead_practitioners_one_current_per_child')
      .on(t.childId)
      .where(sql`${t.endedAt} is null`),
    // The partial index above serves neither foreign-key checks nor a lead's ended appointments.
    index('lead_practitioners_child_idx').on(t.childId, t.appointedAt),
    index('lead_practitioners_user_idx').on(t.userId),
    check('lead_practitioners_ended', sql`(${t.endedAt} is null) = (${t.endedBy} is null)`),
  ],
);
