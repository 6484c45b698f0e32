import { allow, deny, type Actor, type AgencyFacts, type Decision, type Role, type TargetUser } from './types';
import { EXISTING_ARRANGEMENTS } from './messages';
import { canReadIndex } from './children.policy';

/** Admins must themselves be in good standing: a suspended or expired admin cannot administer. */
export function adminInGoodStanding(actor: Actor): Decision {
  if (actor.role !== 'agency_admin' && actor.role !== 'system_admin') {
    return deny('not_an_admin', 'Only an agency admin or a system admin can do this.');
  }
  if (actor.status === 'suspended') return deny('actor_suspended', 'Your account is suspended.');
  if (actor.status !== 'verified') {
    return deny('actor_not_verified', 'Your own verification is not current, so you cannot administer users.');
  }
  return allow;
}

/** Agency admins act within their own agency; system admins anywhere. */
export function sameAgencyScope(actor: Actor, agencyId: string | null): Decision {
  if (actor.role === 'system_admin') return allow;
  if (agencyId === null || agencyId !== actor.agencyId) {
    return deny('other_agency', 'Agency admins can only manage users of their own agency.');
  }
  return allow;
}

/** Roles an admin may hand out: agency admins grant front-line roles only. */
export function grantableRoles(actor: Actor): readonly Role[] {
  if (actor.role === 'system_admin') return ['practitioner', 'designated_officer', 'agency_admin', 'system_admin'];
  if (actor.role === 'agency_admin') return ['practitioner', 'designated_officer'];
  return [];
}

function roleGrantable(actor: Actor, role: Role): Decision {
  if (!grantableRoles(actor).includes(role)) {
    return deny('role_not_grantable', `You cannot give the ${role.replace('_', ' ')} role; ask a system admin.`);
  }
  return allow;
}

/** The first refusal among these checks, in order, or allow. */
export function firstDenial(...decisions: (() => Decision)[]): Decision {
  for (const decide of decisions) {
    const decision = decide();
    if (!decision.allow) return decision;
  }
  return allow;
}

export function canManageAgencies(actor: Actor): Decision {
  return firstDenial(
    () => adminInGoodStanding(actor),
    () => (actor.role === 'system_admin' ? allow : deny('not_system_admin', 'Only a system admin can register agencies or record protocol signing.')),
  );
}

/** Listing users: system admins see everyone; agency admins their own agency only. */
export function canListUsers(actor: Actor, agencyId: string | null): Decision {
  return firstDenial(
    () => adminInGoodStanding(actor),
    () => (agencyId === null && actor.role !== 'system_admin' ? deny('other_agency', 'Agency admins can only list users of their own agency.') : allow),
    () => (agencyId === null ? allow : sameAgencyScope(actor, agencyId)),
  );
}

export function canViewUser(actor: Actor, target: TargetUser): Decision {
  if (actor.id === target.id) return allow;
  return firstDenial(
    () => adminInGoodStanding(actor),
    () => sameAgencyScope(actor, target.agencyId),
  );
}

export function canInvite(actor: Actor, invite: { agency: AgencyFacts; role: Role }): Decision {
  return firstDenial(
    () => adminInGoodStanding(actor),
    () => sameAgencyScope(actor, invite.agency.id),
    () => roleGrantable(actor, invite.role),
  );
}

export function canVerify(actor: Actor, target: TargetUser, grant: { role: Role; agency: AgencyFacts | null }): Decision {
  return firstDenial(
    () => adminInGoodStanding(actor),
    () => (actor.id === target.id ? deny('self_verification', 'You cannot verify yourself; another admin must do it.') : allow),
    () => sameAgencyScope(actor, target.agencyId),
    () => roleGrantable(actor, grant.role),
    () => (target.status === 'suspended' ? deny('target_suspended', 'Reinstate this user before verifying them.') : allow),
    () =>
      grant.role !== 'system_admin' && grant.agency === null
        ? deny('no_agency', 'This user belongs to no agency, so only the system admin role can be verified.')
        : allow,
    () => (grant.agency && !grant.agency.protocolSigned ? deny('agency_not_signatory', `This user's agency ${EXISTING_ARRANGEMENTS}`) : allow),
  );
}

/** Suspending and reinstating follow the same rules; only the target's current state differs. */
function canChangeSuspension(actor: Actor, target: TargetUser, suspend: boolean): Decision {
  const verb = suspend ? 'suspend' : 'reinstate';
  return firstDenial(
    () => adminInGoodStanding(actor),
    () => (actor.id === target.id ? deny(suspend ? 'self_suspension' : 'self_reinstatement', `You cannot ${verb} your own account.`) : allow),
    () => sameAgencyScope(actor, target.agencyId),
    () =>
      actor.role !== 'system_admin' && (target.role === 'agency_admin' || target.role === 'system_admin')
        ? deny('role_not_grantable', `Only a system admin can ${verb} an admin.`)
        : allow,
    () => {
      if (suspend && target.status === 'suspended') return deny('already_suspended', 'This user is already suspended.');
      if (!suspend && target.status !== 'suspended') return deny('not_suspended', 'This user is not suspended.');
      return allow;
    },
  );
}

export function canSuspend(actor: Actor, target: TargetUser): Decision {
  return canChangeSuspension(actor, target, true);
}

export function canReinstate(actor: Actor, target: TargetUser): Decision {
  return canChangeSuspension(actor, target, false);
}

/** Audit scope: system admins read every entry, agency admins their own agency's. */
export function auditReadScope(actor: Actor): { decision: Decision; agencyId: string | null } {
  const decision = adminInGoodStanding(actor);
  return { decision, agencyId: actor.role === 'system_admin' ? null : actor.agencyId };
}

export function canVerifyAuditChain(actor: Actor): Decision {
  return firstDenial(
    () => adminInGoodStanding(actor),
    () => (actor.role === 'system_admin' ? allow : deny('not_system_admin', 'Only a system admin can verify the whole audit chain.')),
  );
}

/** Admin alerts follow the audit log's scope: system admins see all, agency admins their agency's. */
export function adminAlertScope(actor: Actor): { decision: Decision; agencyId: string | null } {
  return auditReadScope(actor);
}

/** Attesting a user's keys follows the verification scope: an admin in good standing, own agency (or any, for a system admin), never oneself. */
export function canAttestKey(actor: Actor, target: TargetUser): Decision {
  return firstDenial(
    () => adminInGoodStanding(actor),
    () => (actor.id === target.id ? deny('self_attestation', 'You cannot attest your own keys; another admin must do it.') : allow),
    () => sameAgencyScope(actor, target.agencyId),
  );
}

/** Running retention (and dry runs) and reading the schedule's runs: system admins. */
export function canManageRetention(actor: Actor): Decision {
  return firstDenial(
    () => adminInGoodStanding(actor),
    () => (actor.role === 'system_admin' ? allow : deny('not_system_admin', 'Only a system admin can run retention.')),
  );
}

/** Placing or releasing a legal hold on a child's records: an admin in good standing. */
export function canPlaceLegalHold(actor: Actor): Decision {
  return adminInGoodStanding(actor);
}

/** Handling a subject access request about a child: a system admin, or an admin of the agency that holds the record. */
export function canHandleSubjectAccess(actor: Actor, child: { sourceAgencyId: string }): Decision {
  return firstDenial(
    () => adminInGoodStanding(actor),
    () =>
      actor.role === 'system_admin' || actor.agencyId === child.sourceAgencyId
        ? allow
        : deny('other_agency', 'Only the agency that holds this record, or a system admin, handles subject access requests about it.'),
  );
}

/** Admin certificates are public keys signed by the org root: for whoever may look up correspondents' keys. */
export function canReadAdminCertificates(actor: Actor): Decision {
  return canReadIndex(actor);
}

/** Whether e-mail is set up, and where it goes instead: an admin in good standing (it names a folder on the server). */
export function canSeeMailSetup(actor: Actor): Decision {
  return adminInGoodStanding(actor);
}

/**
 * An agency's default notification preferences (what its people hear by e-mail until they choose):
 * its own admins, or a system admin for any agency, in good standing.
 */
export function canManageNotificationDefaults(actor: Actor, agencyId: string): Decision {
  return firstDenial(
    () => adminInGoodStanding(actor),
    () =>
      actor.role === 'system_admin' || actor.agencyId === agencyId
        ? allow
        : deny('other_agency', 'Agency admins can only set the e-mail settings of their own agency.'),
  );
}

/** A person's own notification preferences: anyone signed in whose account is not suspended, for themselves only. */
export function canSetOwnNotificationPreferences(actor: Actor): Decision {
  return actor.status === 'suspended' ? deny('actor_suspended', 'Your account is suspended.') : allow;
}

/**
 * Who may change whether an agency's people may sign in with a passkey alone: its own admins, or
 * a system admin for any agency, in good standing.
 */
export function canManageSignInPolicy(actor: Actor, agencyId: string): Decision {
  return firstDenial(
    () => adminInGoodStanding(actor),
    () =>
      actor.role === 'system_admin' || actor.agencyId === agencyId
        ? allow
        : deny('other_agency', 'Agency admins can only set how the people of their own agency sign in.'),
  );
}
