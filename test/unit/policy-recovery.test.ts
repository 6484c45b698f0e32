import { describe, expect, it } from 'vitest';
import {
  ROLES,
  canCancelMfaRecovery,
  canCancelOwnMfaRecovery,
  canConfirmMfaRecovery,
  canOperatorRecoverMfa,
  canRequestMfaRecovery,
  mfaRecoveryScope,
  recoveryNeedsConfirmation,
  type Actor,
  type Role,
  type TargetUser,
  type UserStatus,
} from '../../server/policy';
import { A, B, STATUSES, code } from './policy-fixtures';

// Recovery of a lost second factor (server/policy/recovery.policy.ts) over every actor role and
// status × every target role, status and agency, and for confirming, whether the actor started it.
const actor = (role: Role, status: UserStatus = 'verified', over: Partial<Actor> = {}): Actor => ({
  id: 'actor',
  role,
  agencyId: role === 'system_admin' ? null : A,
  status,
  mfaEnrolled: true,
  ...over,
});
const target = (role: Role, status: UserStatus, agencyId: string | null): TargetUser => ({ id: 'target', role, agencyId, status });
const agencyOf = (role: Role, other: boolean) => (role === 'system_admin' ? null : other ? B : A);

/** The rules in words, in the order a person would be told: who you are, whom, their account. */
function expected(a: Actor, t: TargetUser): string {
  if (a.role !== 'agency_admin' && a.role !== 'system_admin') return 'not_an_admin';
  if (a.status === 'suspended') return 'actor_suspended';
  if (a.status !== 'verified') return 'actor_not_verified';
  if (a.id === t.id) return 'self_recovery';
  if (a.role === 'agency_admin' && t.agencyId !== a.agencyId) return 'other_agency';
  if (t.role === 'system_admin' && a.role !== 'system_admin') return 'role_not_grantable';
  if (t.status === 'suspended') return 'target_suspended';
  return 'allow';
}

const cases = ROLES.flatMap((actorRole) =>
  STATUSES.flatMap((actorStatus) =>
    ROLES.flatMap((targetRole) =>
      STATUSES.flatMap((targetStatus) => [false, true].map((otherAgency) => ({ actorRole, actorStatus, targetRole, targetStatus, otherAgency }))),
    ),
  ),
);

describe('cancelling a recovery', () => {
  it(`decides all ${cases.length} combinations: as for starting one, except that a suspended account's recovery may be cancelled`, () => {
    const wrong: string[] = [];
    for (const c of cases) {
      const a = actor(c.actorRole, c.actorStatus);
      const t = target(c.targetRole, c.targetStatus, agencyOf(c.targetRole, c.otherAgency));
      const want = expected(a, t) === 'target_suspended' ? 'allow' : expected(a, t);
      const got = code(canCancelMfaRecovery(a, t));
      if (got !== want) wrong.push(`${JSON.stringify(c)}: ${got}, expected ${want}`);
    }
    expect(wrong).toEqual([]);
  });

  it('lets the admin who started it cancel it, but no one their own', () => {
    expect(code(canCancelMfaRecovery(actor('agency_admin'), target('designated_officer', 'verified', A)))).toBe('allow');
    expect(code(canCancelMfaRecovery(actor('agency_admin'), { ...target('agency_admin', 'verified', A), id: 'actor' }))).toBe('self_recovery');
  });
});

describe('the person cancelling a recovery of their own sign-in', () => {
  it('decides every role × status × enrolment, for their own recovery and someone else’s', () => {
    const wrong: string[] = [];
    for (const role of ROLES) {
      for (const status of STATUSES) {
        for (const mfaEnrolled of [true, false]) {
          for (const own of [true, false]) {
            const a = actor(role, status, { mfaEnrolled });
            const want = !own ? 'not_your_recovery' : status === 'suspended' ? 'actor_suspended' : !mfaEnrolled ? 'mfa_not_enrolled' : 'allow';
            const got = code(canCancelOwnMfaRecovery(a, { userId: own ? a.id : 'someone-else' }));
            if (got !== want) wrong.push(`${JSON.stringify({ role, status, mfaEnrolled, own })}: ${got}, expected ${want}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('starting a recovery', () => {
  it(`decides all ${cases.length} combinations of actor role and status × target role, status and agency`, () => {
    const wrong: string[] = [];
    for (const c of cases) {
      const a = actor(c.actorRole, c.actorStatus);
      const t = target(c.targetRole, c.targetStatus, agencyOf(c.targetRole, c.otherAgency));
      const got = code(canRequestMfaRecovery(a, t));
      if (got !== expected(a, t)) wrong.push(`${JSON.stringify(c)}: ${got}, expected ${expected(a, t)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('allows the cases a practitioner would expect, and no others', () => {
    expect(code(canRequestMfaRecovery(actor('agency_admin'), target('practitioner', 'verified', A)))).toBe('allow');
    expect(code(canRequestMfaRecovery(actor('agency_admin'), target('practitioner', 'expired', A)))).toBe('allow');
    expect(code(canRequestMfaRecovery(actor('agency_admin'), target('practitioner', 'verified', B)))).toBe('other_agency');
    expect(code(canRequestMfaRecovery(actor('system_admin'), target('practitioner', 'verified', B)))).toBe('allow');
    expect(code(canRequestMfaRecovery(actor('agency_admin'), target('system_admin', 'verified', null)))).toBe('other_agency');
    expect(code(canRequestMfaRecovery(actor('system_admin'), target('system_admin', 'verified', null)))).toBe('allow');
    expect(code(canRequestMfaRecovery(actor('system_admin'), { ...target('system_admin', 'verified', null), id: 'actor' }))).toBe('self_recovery');
    expect(code(canRequestMfaRecovery(actor('agency_admin'), target('practitioner', 'suspended', A)))).toBe('target_suspended');
  });
});

describe('confirming a recovery (the two-person rule)', () => {
  it('follows the same rules as starting one, and refuses the admin who started it whatever else holds', () => {
    const wrong: string[] = [];
    for (const c of cases) {
      const a = actor(c.actorRole, c.actorStatus);
      const t = target(c.targetRole, c.targetStatus, agencyOf(c.targetRole, c.otherAgency));
      const byOther = code(canConfirmMfaRecovery(a, t, { requestedBy: 'another-admin' }));
      const byCli = code(canConfirmMfaRecovery(a, t, { requestedBy: null }));
      const bySelf = code(canConfirmMfaRecovery(a, t, { requestedBy: 'actor' }));
      const rule = expected(a, t);
      if (byOther !== rule) wrong.push(`${JSON.stringify(c)} by another: ${byOther}, expected ${rule}`);
      if (byCli !== rule) wrong.push(`${JSON.stringify(c)} from the CLI: ${byCli}, expected ${rule}`);
      if (bySelf !== (rule === 'allow' ? 'same_admin' : rule)) wrong.push(`${JSON.stringify(c)} by the requester: ${bySelf}`);
      if (bySelf === 'allow') wrong.push(`${JSON.stringify(c)}: the requester confirmed their own request`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('which recoveries need a second admin', () => {
  it.each([
    ['practitioner', false],
    ['designated_officer', true],
    ['agency_admin', true],
    ['system_admin', true],
  ] as const)('%s: %s', (role, needed) => {
    expect(recoveryNeedsConfirmation(role)).toBe(needed);
  });
});

describe('which recoveries an admin sees', () => {
  it.each(ROLES.flatMap((role) => STATUSES.map((status) => [role, status] as const)))('a %s who is %s', (role, status) => {
    const { decision, agencyId } = mfaRecoveryScope(actor(role, status));
    const admin = role === 'agency_admin' || role === 'system_admin';
    expect(decision.allow).toBe(admin && status === 'verified');
    expect(agencyId).toBe(role === 'system_admin' ? null : A);
  });
});

describe('the operator’s recovery of the last system admin', () => {
  it.each(ROLES.flatMap((role) => STATUSES.flatMap((status) => [0, 1, 2, 3].map((others) => [role, status, others] as const))))(
    'a %s who is %s, with %i other system admins',
    (role, status, others) => {
      const got = code(canOperatorRecoverMfa(target(role, status, agencyOf(role, false)), others));
      const want =
        role !== 'system_admin' ? 'not_system_admin' : status === 'suspended' ? 'target_suspended' : others >= 2 ? 'system_admins_can_recover' : 'allow';
      expect(got).toBe(want);
    },
  );
});
