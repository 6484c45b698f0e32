import { allow, deny, type Actor, type AgencyFacts, type Decision, type UserStatus } from './types';
import { canShare } from './shares.policy';

const NOT_DO = 'Only designated officers handle information about a child at risk of offending.';

/** Marking (or unmarking) a child as at risk of offending: a designated officer who may share. */
export function canMarkOffendingRisk(actor: Actor, agency: AgencyFacts | null): Decision {
  if (actor.role !== 'designated_officer')
    return deny('not_designated_officer', `Only a designated officer can mark or unmark a child as at risk of offending.`);
  return canShare(actor, agency);
}

/** The special file: readable only by the designated officers on the case. */
export function canReadSpecialFile(actor: Actor, caseOfficerIds: readonly string[]): Decision {
  if (actor.role !== 'designated_officer') return deny('not_designated_officer', NOT_DO);
  if (actor.status === 'suspended' || actor.status === 'pending') return deny('not_verified', 'Your account cannot use special files.');
  return caseOfficerIds.includes(actor.id) ? allow : deny('not_on_case', 'You are not one of the designated officers on this case.');
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
