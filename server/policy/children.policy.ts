import { allow, deny, type Actor, type AgencyFacts, type Decision } from './types';
import { sharingStatus } from './sharing.policy';

/** Roles trusted to shield entries and to override shields (with a stated reason). */
const SHIELD_ROLES = new Set<Actor['role']>(['designated_officer', 'agency_admin', 'system_admin']);

/**
 * Reading the index: every signed-in user in good standing. An expired verification still reads
 * (DESIGN §1: "an expired user can read but not share"); pending and suspended users cannot.
 */
export function canReadIndex(actor: Actor): Decision {
  if (!actor.mfaEnrolled) return deny('mfa_not_enrolled', 'Set up two-factor sign-in first.');
  if (actor.status === 'suspended') return deny('suspended', 'Your account is suspended. Contact your agency admin.');
  if (actor.status === 'pending') return deny('not_verified', 'An admin has not yet verified your account, so you cannot look at the children’s index.');
  return allow;
}

/** Adding to the index, recording involvement or raising a concern are shares: full sharing rights needed. */
export function canContributeToIndex(actor: Actor, agency: AgencyFacts | null): Decision {
  const status = sharingStatus(actor, agency);
  const [first] = status.reasons;
  return first ? deny(first.code, first.message) : allow;
}

/** A concern is cleared by its own agency (or a system admin), never by another agency. */
export function canClearConcern(actor: Actor, agency: AgencyFacts | null, flag: { agencyId: string }): Decision {
  if (actor.role === 'system_admin' && actor.status === 'verified') return allow;
  const contribute = canContributeToIndex(actor, agency);
  if (!contribute.allow) return contribute;
  return actor.agencyId === flag.agencyId ? allow : deny('other_agency', 'Only the agency that raised this concern can clear it.');
}

/** Confirming an entry's details are current: an agency that holds or serves the entry. */
export function canVerifyEntryDetails(actor: Actor, agency: AgencyFacts | null, entry: { sourceAgencyId: string; involvedAgencyIds: string[] }): Decision {
  const contribute = canContributeToIndex(actor, agency);
  if (!contribute.allow) return contribute;
  const mine = actor.agencyId !== null && (entry.sourceAgencyId === actor.agencyId || entry.involvedAgencyIds.includes(actor.agencyId));
  return mine ? allow : deny('not_involved', 'Only an agency involved with this child can confirm their details.');
}

function shieldRole(actor: Actor, verb: string): Decision {
  if (!SHIELD_ROLES.has(actor.role)) return deny('not_authorised_to_shield', `Only a designated officer or an admin can ${verb}.`);
  if (actor.status !== 'verified') return deny('actor_not_verified', `Your verification is not current, so you cannot ${verb}.`);
  if (!actor.mfaEnrolled) return deny('mfa_not_enrolled', 'Set up two-factor sign-in first.');
  return allow;
}

export function canShield(actor: Actor): Decision {
  return shieldRole(actor, 'shield or unshield information');
}

export function canOverrideShield(actor: Actor): Decision {
  return shieldRole(actor, 'override a shield');
}

/** What policy needs to know to name a child in a list of someone's own work. */
export interface ChildNameFacts {
  sourceAgencyId: string;
  /** Whether the viewer's agency has an open involvement with the child (provides a service to them). */
  viewerAgencyInvolved: boolean;
  /** Whether the viewer is a designated officer on the child's case (their special file). */
  viewerOnCase?: boolean;
  /** Delisted, or shielded without this session's override: the child is not on the index for this viewer. */
  hidden: boolean;
}

const CASEWORK_ROLES = new Set<Actor['role']>(['practitioner', 'designated_officer']);

/**
 * Naming a child where no reason was stated for it (the conversations list, a thread's header, the
 * children on Home): a practitioner or designated officer who may read the index, whose agency
 * provides a service to the child or holds their entry, while the child is on the index for them.
 * Anyone else sees the record's identifier and names the child only by opening the record with a
 * reason (audited). Admins do no casework here: they open records with a reason too.
 */
export function canSeeChildName(actor: Actor, child: ChildNameFacts): Decision {
  const read = canReadIndex(actor);
  if (!read.allow) return read;
  if (!CASEWORK_ROLES.has(actor.role)) return deny('not_casework_role', 'Admins see a child’s name by opening their record with a reason.');
  if (child.hidden) return deny('child_not_found', 'There is no child on the index with this identifier.');
  // An officer on the case files its written records: they work with the child whatever their agency records.
  const onCase = actor.role === 'designated_officer' && child.viewerOnCase === true;
  const mine = onCase || (actor.agencyId !== null && (child.viewerAgencyInvolved || child.sourceAgencyId === actor.agencyId));
  return mine ? allow : deny('not_involved', 'Your agency does not provide a service to this child: open their record with a reason to see their name.');
}

/** The children one opened recently, on Home: practitioners and designated officers who may read the index. */
export function canListRecentChildren(actor: Actor): Decision {
  const read = canReadIndex(actor);
  if (!read.allow) return read;
  return CASEWORK_ROLES.has(actor.role)
    ? allow
    : deny('not_casework_role', 'The children you opened recently are listed for practitioners and designated officers.');
}
