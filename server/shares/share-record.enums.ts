/**
 * The closed vocabularies of a share record (docs/share-record.md). The strings are the API
 * and are stored and signed as they are: add values, never rename or remove one.
 * Plain-English labels for each value live in share-record.labels.ts.
 */

export const CONSENT_STATUSES = ['given', 'refused', 'not_sought'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

/** Who gave or refused consent. */
export const CONSENT_PARTIES = ['child', 'young_person', 'parent', 'carer'] as const;
export type ConsentParty = (typeof CONSENT_PARTIES)[number];

/** Why information was shared without consent (refused, or not sought). */
export const EXEMPTIONS = [
  'risk_of_significant_harm',
  'prevention_or_detection_of_crime',
  'emergency',
  'seeking_consent_would_place_child_at_risk',
  'other_statutory_basis',
] as const;
export type Exemption = (typeof EXEMPTIONS)[number];

export const INFORMATION_KINDS = [
  'identity_and_contact',
  'education',
  'health',
  'family_and_household',
  'safeguarding_concern',
  'offending_or_antisocial_behaviour',
  'documents',
  'other',
] as const;
export type InformationKind = (typeof INFORMATION_KINDS)[number];

/** UK GDPR Art 6(1)(a), (c), (d), (e), (f). (b), performance of a contract, is left out: it is not a basis for sharing about a child. */
export const ARTICLE6_BASES = ['consent', 'legal_obligation', 'vital_interests', 'public_task', 'legitimate_interests'] as const;
export type Article6Basis = (typeof ARTICLE6_BASES)[number];

/** UK GDPR Art 9(2)(a), (b), (c), (g), (h), (i), (f): the conditions a children's practitioner can meet. */
export const ARTICLE9_CONDITIONS = [
  'explicit_consent',
  'social_protection',
  'vital_interests',
  'substantial_public_interest',
  'health_or_social_care',
  'public_health',
  'legal_claims',
] as const;
export type Article9Condition = (typeof ARTICLE9_CONDITIONS)[number];

/** DPA 2018 Schedule 1 conditions: paras 18, 10, 6 (Part 2) and 2, 3, 1 (Part 1). */
export const SCHEDULE1_CONDITIONS = [
  'safeguarding_children_and_individuals_at_risk',
  'preventing_or_detecting_unlawful_acts',
  'statutory_and_government_purposes',
  'health_or_social_care_purposes',
  'public_health',
  'social_protection',
] as const;
export type Schedule1Condition = (typeof SCHEDULE1_CONDITIONS)[number];

/** The Schedule 1 paragraph of each condition, for messages and documentation. */
export const SCHEDULE1_PARAGRAPH: Record<Schedule1Condition, number> = {
  safeguarding_children_and_individuals_at_risk: 18,
  preventing_or_detecting_unlawful_acts: 10,
  statutory_and_government_purposes: 6,
  health_or_social_care_purposes: 2,
  public_health: 3,
  social_protection: 1,
};

export const LEGAL_GATEWAYS = [
  'children_act_2004_s10',
  'children_act_2004_s11',
  'children_act_1989_s17',
  'children_act_1989_s47',
  'crime_and_disorder_act_1998_s115',
  'education_act_2002_s175',
  'other',
] as const;
export type LegalGateway = (typeof LEGAL_GATEWAYS)[number];
