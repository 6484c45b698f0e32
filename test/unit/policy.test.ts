import { describe, expect, it } from 'vitest';
import {
  ROLES,
  auditReadScope,
  canInvite,
  canListUsers,
  canManageAgencies,
  canManageNotificationDefaults,
  canManageSignInPolicy,
  canSetOwnNotificationPreferences,
  canReinstate,
  canSuspend,
  canVerify,
  canVerifyAuditChain,
  canViewUser,
  grantableRoles,
  sharingStatus,
  type Actor,
  type Role,
  type TargetUser,
  type UserStatus,
} from '../../server/policy';
import { A, B, STATUSES, code, signedA, unsignedA } from './policy-fixtures';

const actor = (role: Role, over: Partial<Actor> = {}): Actor => ({
  id: 'actor',
  role,
  agencyId: role === 'system_admin' ? null : A,
  status: 'verified',
  mfaEnrolled: true,
  ...over,
});
const target = (over: Partial<TargetUser> = {}): TargetUser => ({ id: 'target', role: 'practitioner', agencyId: A, status: 'pending', ...over });

/** Every admin decision, applied to a target in agency `agencyId`. */
const adminDecisions = (a: Actor, agencyId: string, t = target({ agencyId })) => ({
  listUsers: canListUsers(a, agencyId),
  viewUser: canViewUser(a, t),
  invite: canInvite(a, { agency: { id: agencyId, protocolSigned: true }, role: 'practitioner' }),
  verify: canVerify(a, t, { role: 'practitioner', agency: { id: agencyId, protocolSigned: true } }),
  suspend: canSuspend(a, { ...t, status: 'verified' }),
  reinstate: canReinstate(a, { ...t, status: 'suspended' }),
  notificationDefaults: canManageNotificationDefaults(a, agencyId),
  signInPolicy: canManageSignInPolicy(a, agencyId),
});

describe('admin decisions over every role', () => {
  it.each([
    ['practitioner', 'not_an_admin'],
    ['designated_officer', 'not_an_admin'],
    ['agency_admin', 'allow'],
    ['system_admin', 'allow'],
  ] as const)('%s acting on their own agency: %s', (role, expected) => {
    const decisions = adminDecisions(actor(role), A);
    for (const [name, decision] of Object.entries(decisions)) expect([name, code(decision)]).toEqual([name, expected]);
  });

  it.each([
    ['practitioner', 'not_an_admin'],
    ['designated_officer', 'not_an_admin'],
    ['agency_admin', 'other_agency'],
    ['system_admin', 'allow'],
  ] as const)('%s acting on another agency: %s', (role, expected) => {
    const decisions = adminDecisions(actor(role), B);
    for (const [name, decision] of Object.entries(decisions)) expect([name, code(decision)]).toEqual([name, expected]);
  });

  it.each(ROLES.flatMap((role) => STATUSES.filter((s) => s !== 'verified').map((status) => [role, status] as const)))(
    'a %s whose own status is %s may not administer anyone',
    (role, status) => {
      for (const agencyId of [A, B]) {
        const decisions = adminDecisions(actor(role, { status }), agencyId);
        for (const decision of Object.values(decisions)) expect(decision.allow).toBe(false);
      }
    },
  );

  it('anyone may view their own account, whatever their role or status', () => {
    for (const role of ROLES)
      for (const status of STATUSES) {
        expect(canViewUser(actor(role, { status }), target({ id: 'actor', role, status })).allow).toBe(true);
      }
  });

  it('only a system admin manages agencies or verifies the whole audit chain', () => {
    for (const role of ROLES) {
      expect(canManageAgencies(actor(role)).allow).toBe(role === 'system_admin');
      expect(canVerifyAuditChain(actor(role)).allow).toBe(role === 'system_admin');
    }
  });

  it('agency admins list only their own agency; only system admins list everyone', () => {
    expect(code(canListUsers(actor('agency_admin'), null))).toBe('other_agency');
    expect(code(canListUsers(actor('system_admin'), null))).toBe('allow');
  });

  it('audit scope: system admins read everything, agency admins their own agency, others nothing', () => {
    expect(auditReadScope(actor('system_admin'))).toEqual({ decision: { allow: true }, agencyId: null });
    expect(auditReadScope(actor('agency_admin'))).toEqual({ decision: { allow: true }, agencyId: A });
    expect(auditReadScope(actor('practitioner')).decision.allow).toBe(false);
    expect(auditReadScope(actor('designated_officer')).decision.allow).toBe(false);
  });
});

describe('granting roles', () => {
  it.each([
    ['practitioner', []],
    ['designated_officer', []],
    ['agency_admin', ['practitioner', 'designated_officer']],
    ['system_admin', ['practitioner', 'designated_officer', 'agency_admin', 'system_admin']],
  ] as const)('%s may grant %j', (role, roles) => {
    expect(grantableRoles(actor(role))).toEqual(roles);
  });

  it.each(ROLES.flatMap((actorRole) => ROLES.map((grant) => [actorRole, grant] as const)))('%s verifying someone as %s', (actorRole, grant) => {
    const decision = canVerify(actor(actorRole), target(), { role: grant, agency: signedA });
    const invite = canInvite(actor(actorRole), { agency: signedA, role: grant });
    const adminActor = actorRole === 'agency_admin' || actorRole === 'system_admin';
    const expected = !adminActor ? 'not_an_admin' : grantableRoles(actor(actorRole)).includes(grant) ? 'allow' : 'role_not_grantable';
    expect(code(decision)).toBe(expected);
    expect(code(invite)).toBe(expected);
  });
});

describe('verification refusals', () => {
  it('refuses users of an agency that has not signed, saying existing arrangements apply', () => {
    const decision = canVerify(actor('system_admin'), target(), { role: 'practitioner', agency: unsignedA });
    expect(code(decision)).toBe('agency_not_signatory');
    expect(decision.allow ? '' : decision.reason.message).toMatch(/existing \(non-protocol\) arrangements/);
  });

  it('refuses self-verification, suspended targets and front-line roles without an agency', () => {
    expect(code(canVerify(actor('system_admin'), target({ id: 'actor' }), { role: 'system_admin', agency: null }))).toBe('self_verification');
    expect(code(canVerify(actor('agency_admin'), target({ status: 'suspended' }), { role: 'practitioner', agency: signedA }))).toBe('target_suspended');
    expect(code(canVerify(actor('system_admin'), target({ agencyId: null }), { role: 'practitioner', agency: null }))).toBe('no_agency');
    expect(code(canVerify(actor('system_admin'), target({ agencyId: null }), { role: 'system_admin', agency: null }))).toBe('allow');
  });

  it.each(STATUSES.filter((s) => s !== 'suspended'))('re-verifies a %s user (renewal)', (status) => {
    expect(code(canVerify(actor('agency_admin'), target({ status }), { role: 'practitioner', agency: signedA }))).toBe('allow');
  });
});

describe('suspension and reinstatement', () => {
  it('refuses acting on oneself', () => {
    expect(code(canSuspend(actor('system_admin'), target({ id: 'actor', status: 'verified' })))).toBe('self_suspension');
    expect(code(canReinstate(actor('system_admin'), target({ id: 'actor', status: 'suspended' })))).toBe('self_reinstatement');
  });

  it.each(ROLES)('an agency admin suspending a %s', (role) => {
    const expected = role === 'agency_admin' || role === 'system_admin' ? 'role_not_grantable' : 'allow';
    expect(code(canSuspend(actor('agency_admin'), target({ role, status: 'verified' })))).toBe(expected);
    expect(code(canReinstate(actor('agency_admin'), target({ role, status: 'suspended' })))).toBe(expected);
  });

  it.each(STATUSES)('suspending a %s user, and reinstating them', (status) => {
    expect(code(canSuspend(actor('system_admin'), target({ status })))).toBe(status === 'suspended' ? 'already_suspended' : 'allow');
    expect(code(canReinstate(actor('system_admin'), target({ status })))).toBe(status === 'suspended' ? 'allow' : 'not_suspended');
  });
});

describe('sharingStatus over every role and status', () => {
  const expectedStatusCode: Record<UserStatus, string | null> = {
    verified: null,
    pending: 'not_verified',
    expired: 'verification_expired',
    suspended: 'suspended',
  };

  it.each(ROLES.flatMap((role) => STATUSES.flatMap((status) => [true, false].map((mfa) => [role, status, mfa] as const))))(
    '%s, %s, two-factor enrolled %s',
    (role, status, mfa) => {
      const agency = role === 'system_admin' ? null : signedA;
      const result = sharingStatus(actor(role, { status, mfaEnrolled: mfa }), agency);
      const expected = [
        ...(mfa ? [] : ['mfa_not_enrolled']),
        ...(expectedStatusCode[status] ? [expectedStatusCode[status]] : []),
        ...(agency ? [] : ['no_agency']),
      ];
      expect(result.reasons.map((r) => r.code)).toEqual(expected);
      expect(result.allowed).toBe(expected.length === 0);
    },
  );

  it('refuses staff of an agency that has not signed, saying existing arrangements apply', () => {
    const result = sharingStatus(actor('practitioner'), unsignedA);
    expect(result.allowed).toBe(false);
    expect(result.reasons).toEqual([{ code: 'agency_not_signatory', message: expect.stringMatching(/existing \(non-protocol\) arrangements/) }]);
  });
});

describe('one’s own e-mail preferences', () => {
  it('anyone whose account is not suspended, whatever their role', () => {
    for (const role of ROLES)
      for (const status of STATUSES) {
        expect([role, status, code(canSetOwnNotificationPreferences(actor(role, { status })))]).toEqual([
          role,
          status,
          status === 'suspended' ? 'actor_suspended' : 'allow',
        ]);
      }
  });
});
