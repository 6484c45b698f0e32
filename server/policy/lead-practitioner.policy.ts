import { canReadIndex } from './children.policy';
import { canReadSpecialFile } from './offending.policy';
import { EXISTING_ARRANGEMENTS } from './messages';
import { allow, deny, type Actor, type AgencyFacts, type Decision, type Role, type UserStatus } from './types';

/** Who may be a lead practitioner: the people who do casework (a designated officer is a practitioner too). */
const LEAD_ROLES = new Set<Role>(['practitioner', 'designated_officer']);

/**
 * Appointing, changing and ending a child's lead practitioner: an agency admin in good standing
 * (verified, two-factor, of an agency that signed the protocol). System admins do not: a lead is
 * chosen by the agency that employs them, which knows its staff and its work with the child.
 */
function agencyAdminInGoodStanding(actor: Actor, agency: AgencyFacts | null): Decision {
  if (actor.role !== 'agency_admin')
    return deny('not_agency_admin', 'Only an admin of an agency involved with this child can appoint or end a lead practitioner.');
  if (actor.status === 'suspended') return deny('actor_suspended', 'Your account is suspended.');
  if (actor.status !== 'verified') return deny('actor_not_verified', 'Your own verification is not current, so you cannot appoint a lead practitioner.');
  if (!actor.mfaEnrolled) return deny('mfa_not_enrolled', 'Set up two-factor sign-in first.');
  if (!agency) return deny('no_agency', 'You do not belong to an agency, so you cannot appoint a lead practitioner.');
  if (!agency.protocolSigned) return deny('agency_not_signatory', `Your agency ${EXISTING_ARRANGEMENTS}`);
  return allow;
}

/**
 * Seeing and changing who leads for a child: an admin of an agency recorded as providing a
 * service to the child (the involvement model), in good standing.
 */
export function canManageLeadPractitioner(actor: Actor, agency: AgencyFacts | null, child: { involvedAgencyIds: readonly string[] }): Decision {
  const standing = agencyAdminInGoodStanding(actor, agency);
  if (!standing.allow) return standing;
  return actor.agencyId !== null && child.involvedAgencyIds.includes(actor.agencyId)
    ? allow
    : deny('not_involved', 'Your agency is not recorded as providing a service to this child, so it cannot appoint their lead practitioner.');
}

/** The person an admin proposes to appoint. */
export interface LeadCandidate {
  id: string;
  role: Role;
  agencyId: string | null;
  status: UserStatus;
}

/** Appointing: an admin who may manage the lead (above) appoints a verified practitioner of their own agency. */
export function canAppointLeadPractitioner(
  actor: Actor,
  agency: AgencyFacts | null,
  child: { involvedAgencyIds: readonly string[] },
  candidate: LeadCandidate,
): Decision {
  const manage = canManageLeadPractitioner(actor, agency, child);
  if (!manage.allow) return manage;
  if (candidate.agencyId !== actor.agencyId) return deny('other_agency', 'You can appoint only a practitioner of your own agency.');
  if (!LEAD_ROLES.has(candidate.role)) return deny('not_a_practitioner', 'A lead practitioner must be a practitioner or designated officer, not an admin.');
  if (candidate.status !== 'verified') {
    const why = { pending: 'has not been verified yet', expired: 'has a verification that has expired', suspended: 'is suspended' }[candidate.status];
    return deny('candidate_not_verified', `That person ${why}, so they cannot be appointed lead practitioner.`);
  }
  return allow;
}

/** The appointment that is current for the child when another is proposed. */
export interface CurrentLead {
  agencyId: string;
  /** Whether the lead's agency still provides a service to the child. */
  agencyInvolved: boolean;
  userName: string;
  agencyName: string;
}

/**
 * One lead per child. An admin replaces their own agency's lead; another agency's lead stands
 * (`lead_exists`, a conflict the service answers with 409) until that agency ends it — unless that
 * agency no longer serves the child, when the appointment gives its holder nothing and would
 * otherwise block the child from ever having a lead again.
 */
export function canReplaceLeadPractitioner(actor: Actor, current: CurrentLead | null): Decision {
  if (!current || current.agencyId === actor.agencyId || !current.agencyInvolved) return allow;
  return deny(
    'lead_exists',
    `${current.userName} of ${current.agencyName} is already lead practitioner for this child. Only an admin of ${current.agencyName} can end or change that appointment.`,
  );
}

/**
 * Ending: an agency admin in good standing, of the agency that made the appointment (whether or
 * not it still serves the child). With no current appointment there is nothing to refuse: the
 * service answers that there is nothing to end.
 */
export function canEndLeadPractitioner(actor: Actor, agency: AgencyFacts | null, appointment: { agencyId: string } | null): Decision {
  const standing = agencyAdminInGoodStanding(actor, agency);
  if (!standing.allow) return standing;
  return appointment === null || appointment.agencyId === actor.agencyId
    ? allow
    : deny('other_agency', 'Only an admin of the agency that appointed this lead practitioner can end it.');
}

/**
 * Ending a lead appointment with the involvement it rests on: someone already allowed to record
 * that their agency no longer serves the child (canContributeToIndex) ends that agency's own
 * appointment with it, never another agency's. An appointment whose agency does not serve the
 * child gives nothing (canReadMultiAgencyChronology), so this ends nothing that still worked.
 */
export function canEndLeadWithInvolvement(actor: Actor, appointment: { agencyId: string }): Decision {
  return actor.agencyId !== null && appointment.agencyId === actor.agencyId
    ? allow
    : deny('other_agency', 'Only the agency that appointed this lead practitioner ends the appointment with its involvement.');
}

/** The children one is lead practitioner for, listed on Home: practitioners and designated officers who may read the index. */
export function canListLedChildren(actor: Actor): Decision {
  const read = canReadIndex(actor);
  if (!read.allow) return read;
  return LEAD_ROLES.has(actor.role) ? allow : deny('not_casework_role', 'Only practitioners and designated officers are lead practitioners.');
}

/** The reader's latest appointment as lead practitioner for the child (ended or not), if any. */
export interface OwnAppointment {
  agencyId: string;
  ended: boolean;
  /** Whether the appointing agency still provides a service to the child. */
  agencyInvolved: boolean;
}

/**
 * The multi-agency chronology: only the child's current lead practitioner, while in good standing
 * to read the index, still of the appointing agency, and while that agency serves the child.
 * Everyone else keeps seeing their own entries (`GET /api/children/:id/chronology`).
 */
export function canReadMultiAgencyChronology(actor: Actor, appointment: OwnAppointment | null): Decision {
  const read = canReadIndex(actor);
  if (!read.allow) return read;
  if (!appointment || !LEAD_ROLES.has(actor.role) || appointment.agencyId !== actor.agencyId) {
    return deny(
      'not_lead_practitioner',
      'Only the lead practitioner for this child sees the chronology of every agency. Your chronology shows the entries you recorded or took part in.',
    );
  }
  if (appointment.ended) {
    return deny('lead_ended', 'Your appointment as lead practitioner for this child has ended, so you see only the entries you recorded or took part in.');
  }
  if (!appointment.agencyInvolved) {
    return deny(
      'lead_agency_not_involved',
      'Your agency is no longer recorded as providing a service to this child, so your appointment as lead practitioner gives no access to other agencies’ entries. Ask your agency admin.',
    );
  }
  return allow;
}

/**
 * Need-to-know within the multi-agency chronology: welfare entries are shown to the lead; an
 * offending-risk entry only to a lead the special file's own rule lets in (a designated officer on
 * the case), or who recorded or took part in it (they see it in their own chronology already).
 */
export function canSeeInMultiAgencyChronology(
  actor: Actor,
  entry: { tier: 'welfare' | 'offending_risk'; readerIsParty: boolean },
  caseOfficerIds: readonly string[],
): Decision {
  if (entry.tier === 'welfare' || entry.readerIsParty) return allow;
  return canReadSpecialFile(actor, caseOfficerIds);
}
