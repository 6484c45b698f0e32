import { EXISTING_ARRANGEMENTS } from './messages';
import { sharingStatus } from './sharing.policy';
import { canReach } from './standing.policy';
import { allow, deny, type Actor, type AgencyFacts, type Decision, type UserStatus } from './types';

/** One recipient (or participant) of a share, as policy needs to see them. */
export interface RecipientFacts {
  /** Null for a named person outside Haven (recorded with their agency). */
  user: { id: string; status: UserStatus } | null;
  /** Null for a Haven user who belongs to no agency (a system admin). */
  agency: AgencyFacts | null;
  /** Whether the recipient's agency is recorded as providing a service to the child. */
  agencyInvolved: boolean;
  needToKnowReason: string | null;
}

/** The sender may share at all (verified, two-factor, signatory agency): every share kind starts here. */
export function canShare(actor: Actor, agency: AgencyFacts | null): Decision {
  const status = sharingStatus(actor, agency);
  const [first] = status.reasons;
  return first ? deny(first.code, first.message) : allow;
}

/**
 * A recipient must be a verified user (or a named person) of an agency that signed the
 * protocol, and must need to know: their agency serves the child, or the sender records why.
 */
export function canShareWith(actor: Actor, recipient: RecipientFacts): Decision {
  if (recipient.user?.id === actor.id) return deny('recipient_is_sender', 'You cannot record a share with yourself.');
  if (!recipient.agency) return deny('recipient_no_agency', 'The recipient belongs to no agency, so information about a child cannot be shared with them.');
  if (!recipient.agency.protocolSigned) return deny('recipient_agency_not_signatory', `The recipient's agency ${EXISTING_ARRANGEMENTS}`);
  if (recipient.user && recipient.user.status !== 'verified') {
    const why = { pending: 'has not been verified yet', expired: 'has a verification that has expired', suspended: 'is suspended' }[recipient.user.status];
    return deny('recipient_not_verified', `The recipient ${why}, so information cannot be shared with them through Haven.`);
  }
  if (!recipient.agencyInvolved && !recipient.needToKnowReason) {
    return deny('need_to_know_missing', "The recipient's agency is not recorded as providing a service to this child. Record why they need to know.");
  }
  return allow;
}

/** Only the person who recorded an entry corrects it (a correction is a new entry). */
export function canCorrectShare(actor: Actor, agency: AgencyFacts | null, entry: { senderId: string }): Decision {
  const may = canShare(actor, agency);
  if (!may.allow) return may;
  return entry.senderId === actor.id ? allow : deny('not_the_sender', 'Only the person who recorded this entry can correct it.');
}

/** A decision not to share is reopened by the agency that made it. */
export function canReopenDecision(actor: Actor, agency: AgencyFacts | null, decision: { senderAgencyId: string }): Decision {
  const may = canShare(actor, agency);
  if (!may.allow) return may;
  return decision.senderAgencyId === actor.agencyId ? allow : deny('other_agency', 'Only the agency that made this decision can reopen it.');
}

/** Conversations, and the live connection that carries them, are for users in good standing: a suspended or unverified user sees neither. */
export function canUseConversations(actor: Actor): Decision {
  return canReach(actor, 'service');
}

/** Only the named participants of a conversation see it or write in it (and only while in good standing). */
export function canUseThread(actor: Actor, thread: { participantIds: readonly string[] }): Decision {
  const standing = canUseConversations(actor);
  if (!standing.allow) return standing;
  return thread.participantIds.includes(actor.id) ? allow : deny('not_a_participant', 'You are not a participant in this conversation.');
}

/** A sender may withdraw a message sent in error, but only while nobody has opened it. */
export function canRevokeMessage(actor: Actor, message: { senderId: string; openedByAnyone: boolean }): Decision {
  if (message.senderId !== actor.id) return deny('not_the_sender', 'Only the sender can revoke a message.');
  if (message.openedByAnyone) return deny('already_opened', 'Someone has already opened this message, so it cannot be revoked. Send a correction instead.');
  return allow;
}
