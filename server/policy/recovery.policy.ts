import { adminInGoodStanding, firstDenial, sameAgencyScope } from './admin.policy';
import { allow, deny, type Actor, type Decision, type Role, type TargetUser } from './types';

// Admin-assisted recovery of a lost second factor (docs/sign-in.md, "A lost authenticator app").
// An admin who checked the person's identity starts it; for the roles that can do the most harm
// with a taken-over account a second, different admin confirms before the link is e-mailed.

/** Recovering these roles needs a second admin's confirmation (the two-person rule). */
const TWO_PERSON_ROLES: readonly Role[] = ['designated_officer', 'agency_admin', 'system_admin'];

export function recoveryNeedsConfirmation(role: Role): boolean {
  return TWO_PERSON_ROLES.includes(role);
}

/** Who may start or confirm a recovery of this user: as below, and only for an account that is not suspended. */
function mayRecover(actor: Actor, target: TargetUser, verb: string): Decision {
  return firstDenial(
    () => mayActOnRecoveryOf(actor, target, verb),
    () => (target.status === 'suspended' ? deny('target_suspended', 'This account is suspended: reinstate it before recovering its sign-in.') : allow),
  );
}

/** Who may act on a recovery of this user at all: an admin in good standing, in scope, not for themselves, a system admin for a system admin. */
function mayActOnRecoveryOf(actor: Actor, target: TargetUser, verb: string): Decision {
  return firstDenial(
    () => adminInGoodStanding(actor),
    () => (actor.id === target.id ? deny('self_recovery', `You cannot ${verb} the recovery of your own sign-in; another admin must do it.`) : allow),
    () => sameAgencyScope(actor, target.agencyId),
    () =>
      target.role === 'system_admin' && actor.role !== 'system_admin'
        ? deny('role_not_grantable', `Only a system admin can ${verb} the recovery of a system admin.`)
        : allow,
  );
}

/** Starting a recovery, after checking the person's identity. */
export function canRequestMfaRecovery(actor: Actor, target: TargetUser): Decision {
  return mayRecover(actor, target, 'start');
}

/** Confirming someone else's recovery request: any admin who could start it, except the one who did. */
export function canConfirmMfaRecovery(actor: Actor, target: TargetUser, recovery: { requestedBy: string | null }): Decision {
  return firstDenial(
    () => mayRecover(actor, target, 'confirm'),
    () =>
      recovery.requestedBy === actor.id ? deny('same_admin', 'You started this recovery: a different admin must confirm it (the two-person rule).') : allow,
  );
}

/**
 * Cancelling an open recovery (the person got their authenticator back, or nobody asked for it):
 * any admin who could start it, the one who did included. Unlike starting one, it is allowed for
 * a suspended account: cancelling only takes a link away.
 */
export function canCancelMfaRecovery(actor: Actor, target: TargetUser): Decision {
  return mayActOnRecoveryOf(actor, target, 'cancel');
}

/**
 * The person cancelling a recovery of their own account (they did not ask for it, or found their
 * authenticator again). Their session is the proof that they still hold their current second
 * factor: every session ends when a link is e-mailed, so one that exists afterwards was made with
 * the old factor. An account without a second factor proves nothing by being signed in; a
 * suspended one cannot act. Verification does not matter: cancelling only takes a link away.
 */
export function canCancelOwnMfaRecovery(actor: Actor, recovery: { userId: string }): Decision {
  if (recovery.userId !== actor.id) return deny('not_your_recovery', 'You can cancel only a recovery of your own sign-in; an admin cancels anyone else’s.');
  if (actor.status === 'suspended') return deny('actor_suspended', 'Your account is suspended.');
  if (!actor.mfaEnrolled) {
    return deny('mfa_not_enrolled', 'Set up your authenticator app first: cancelling a recovery needs a sign-in with your second factor.');
  }
  return allow;
}

/** The recoveries an admin sees: system admins all, agency admins their agency's. */
export function mfaRecoveryScope(actor: Actor): { decision: Decision; agencyId: string | null } {
  return { decision: adminInGoodStanding(actor), agencyId: actor.role === 'system_admin' ? null : actor.agencyId };
}

/**
 * The operator at the server's command line recovers a system admin only when the web cannot:
 * fewer than two other system admins who are not suspended means no one can both start and (as a
 * different admin) confirm it. Everyone else is recovered by admins, under the two-person rule.
 */
export function canOperatorRecoverMfa(target: TargetUser, otherActiveSystemAdmins: number): Decision {
  if (target.role !== 'system_admin') {
    return deny('not_system_admin', 'The command line recovers only a system admin; an admin recovers everyone else from the admin screen.');
  }
  if (target.status === 'suspended') return deny('target_suspended', 'This system admin is suspended: reinstate them first.');
  if (otherActiveSystemAdmins >= 2) {
    return deny('system_admins_can_recover', 'Other system admins can recover this one from the admin screen (one starts, another confirms).');
  }
  return allow;
}
