import { allow, deny, type Actor, type AgencyFacts, type Decision, type UserStatus } from './types';
import { canShare } from './shares.policy';

const NOT_DO = 'Only designated officers handle information about a child at risk of offending.';

const ASK_AN_OFFICER_ON_THE_CASE =
  'This child has a case in the special file and you are not one of its designated officers. Ask an officer on the case to add you.';

/**
 * Marking a child as at risk of offending: a designated officer who may share. A first marking
 * opens the case with the marking officer on it. Once a child has (or had) a case, only an
 * officer on it may mark them again: marking never joins a case; joining goes through the
 * officers already on it.
 */
export function canMarkOffendingRisk(actor: Actor, agency: AgencyFacts | null, caseOfficerIds: readonly string[]): Decision {
  if (actor.role !== 'designated_officer')
    return deny('not_designated_officer', `Only a designated officer can mark or unmark a child as at risk of offending.`);
  const shares = canShare(actor, agency);
  if (!shares.allow) return shares;
  if (caseOfficerIds.length > 0 && !caseOfficerIds.includes(actor.id)) return deny('not_on_case', ASK_AN_OFFICER_ON_THE_CASE);
  return allow;
}

/** Removing the mark: a designated officer on the case, who may share. */
export function canUnmarkOffendingRisk(actor: Actor, agency: AgencyFacts | null, caseOfficerIds: readonly string[]): Decision {
  if (actor.role !== 'designated_officer')
    return deny('not_designated_officer', `Only a designated officer can mark or unmark a child as at risk of offending.`);
  const shares = canShare(actor, agency);
  if (!shares.allow) return shares;
  return caseOfficerIds.includes(actor.id) ? allow : deny('not_on_case', ASK_AN_OFFICER_ON_THE_CASE);
}

/**
 * The way out when no officer on the case can act (they have all left, say): an admin of the
 * agency whose officer marked the child, or a system admin, with current verification, removes
 * the mark with a recorded reason; the officers on the case are told. It gives no access to the
 * special file.
 */
export function canUnmarkAsAdmin(actor: Actor, markingAgencyId: string | null): Decision {
  if (actor.role !== 'agency_admin' && actor.role !== 'system_admin')
    return deny('not_an_admin', 'Only an admin of the agency that marked the child, or a system admin, can remove the mark this way.');
  if (actor.status !== 'verified') return deny('actor_not_verified', 'Your own verification is not current.');
  if (actor.role === 'agency_admin' && (markingAgencyId === null || actor.agencyId !== markingAgencyId))
    return deny('not_marking_agency', 'Only an admin of the agency whose officer marked this child can remove the mark.');
  return allow;
}

/** The special file: readable only by the designated officers on the case. */
export function canReadSpecialFile(actor: Actor, caseOfficerIds: readonly string[]): Decision {
  if (actor.role !== 'designated_officer') return deny('not_designated_officer', NOT_DO);
  if (actor.status === 'suspended' || actor.status === 'pending') return deny('not_verified', 'Your account cannot use special files.');
  return caseOfficerIds.includes(actor.id) ? allow : deny('not_on_case', ASK_AN_OFFICER_ON_THE_CASE);
}

/**
 * An emergency verbal share about a marked child obliges the sharer to file the written record in
 * the special file, so only an officer on the case may log one (the case's other officers are
 * the ones who may be told).
 */
export function canShareInCase(actor: Actor, caseOfficerIds: readonly string[]): Decision {
  return canReadSpecialFile(actor, caseOfficerIds);
}

/** Adding a designated officer to a case, by an officer already on it. */
export function canAddCaseOfficer(
  actor: Actor,
  agency: AgencyFacts | null,
  caseOfficerIds: readonly string[],
  officer: { role: string; status: UserStatus; agency: AgencyFacts | null },
): Decision {
  const reads = canReadSpecialFile(actor, caseOfficerIds);
  if (!reads.allow) return reads;
  const shares = canShare(actor, agency);
  if (!shares.allow) return shares;
  if (officer.role !== 'designated_officer') return deny('recipient_not_designated_officer', 'Only designated officers can be added to this case.');
  if (officer.status !== 'verified') return deny('recipient_not_verified', 'That officer’s verification is not current.');
  if (!officer.agency?.protocolSigned) return deny('recipient_agency_not_signatory', 'That officer’s agency has not signed the protocol.');
  return allow;
}

/** The special file is a thread, but nobody joins it as a conversation participant: only as a designated officer on the case. */
export function canAddThreadParticipant(thread: { tier: 'welfare' | 'offending_risk' }): Decision {
  return thread.tier === 'offending_risk'
    ? deny(
        'special_file_needs_case_officers',
        'People join a special file only as designated officers on the case: use “Add a designated officer” in the special file.',
      )
    : allow;
}

/** An obligation from an emergency verbal share is met only by a written record in the special file, never by a conversation message. */
export function canDischargeObligationWith(share: { kind: string }): Decision {
  return share.kind === 'written_record'
    ? allow
    : deny('written_record_required', 'An obligation to file a written record is met only by a written record in the child’s special file.');
}

/**
 * Sharing about a marked child: in writing, between designated officers. A verbal share is
 * refused unless it is an emergency (which then obliges a written record); a welfare message is refused.
 */
export function canShareAboutMarkedChild(
  actor: Actor,
  share: { kind: 'verbal' | 'message' | 'written_record'; emergency: boolean; recipients: { role: string }[] },
): Decision {
  if (actor.role !== 'designated_officer') return deny('not_designated_officer', NOT_DO);
  if (share.recipients.some((r) => r.role !== 'designated_officer')) {
    return deny('recipient_not_designated_officer', 'Information about a child at risk of offending is shared only between designated officers.');
  }
  if (share.kind === 'message')
    return deny('written_records_only', 'For a child at risk of offending, share in writing in the special file (a written record), not in a conversation.');
  if (share.kind === 'verbal' && !share.emergency) {
    return deny(
      'verbal_share_refused',
      'A verbal share about a child at risk of offending is allowed only in an emergency, and must be followed by a written record.',
    );
  }
  return allow;
}

/** Cancelling an obligation: an admin, with a reason (the only way one ends without a written record). */
export function canCancelObligation(actor: Actor): Decision {
  if (actor.role !== 'agency_admin' && actor.role !== 'system_admin')
    return deny('not_an_admin', 'Only an admin can cancel an obligation to file a written record.');
  if (actor.status !== 'verified') return deny('actor_not_verified', 'Your own verification is not current.');
  return allow;
}
