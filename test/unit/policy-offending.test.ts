import { describe, expect, it } from 'vitest';
import {
  ROLES,
  canAddCaseOfficer,
  canAddThreadParticipant,
  canDischargeObligationWith,
  canCancelObligation,
  canMarkOffendingRisk,
  canReadSpecialFile,
  canShare,
  canShareAboutMarkedChild,
  canShareInCase,
  canUnmarkAsAdmin,
  canUnmarkOffendingRisk,
  type Actor,
  type AgencyFacts,
  type Role,
} from '../../server/policy';
import { A, B, STATUSES, code, signedA, unsignedA } from './policy-fixtures';

const actor = (role: Role, over: Partial<Actor> = {}): Actor => ({ id: 'me', role, agencyId: A, status: 'verified', mfaEnrolled: true, ...over });
const AGENCIES: (AgencyFacts | null)[] = [signedA, unsignedA, null];
/** Every actor the offending-risk tier could meet: role × standing × two-factor × agency. */
const everyone = ROLES.flatMap((role) =>
  STATUSES.flatMap((status) => [true, false].flatMap((mfa) => AGENCIES.map((agency) => [role, status, mfa, agency] as const))),
);
/** The case as it may stand: no case yet, the actor on it, or a case of other officers only. */
const CASES = { none: [] as string[], onCase: ['someone', 'me'], notOnCase: ['someone', 'else'] };

describe('marking and unmarking: the officers on the case, and nobody joins by marking', () => {
  it.each(everyone)('%s, %s, two-factor %s, agency %j', (role, status, mfa, agency) => {
    const a = actor(role, { status, mfaEnrolled: mfa, agencyId: agency?.id ?? null });
    const shares = code(canShare(a, agency));
    const asOfficer = role !== 'designated_officer' ? 'not_designated_officer' : shares;
    // A first marking opens the case; afterwards only its officers mark again.
    expect(code(canMarkOffendingRisk(a, agency, CASES.none))).toBe(asOfficer);
    expect(code(canMarkOffendingRisk(a, agency, CASES.onCase))).toBe(asOfficer);
    expect(code(canMarkOffendingRisk(a, agency, CASES.notOnCase))).toBe(asOfficer === 'allow' ? 'not_on_case' : asOfficer);
    // Unmarking always needs the case (there is none to unmark without one).
    expect(code(canUnmarkOffendingRisk(a, agency, CASES.onCase))).toBe(asOfficer);
    expect(code(canUnmarkOffendingRisk(a, agency, CASES.none))).toBe(asOfficer === 'allow' ? 'not_on_case' : asOfficer);
    expect(code(canUnmarkOffendingRisk(a, agency, CASES.notOnCase))).toBe(asOfficer === 'allow' ? 'not_on_case' : asOfficer);
  });
});

describe('the special file and the case', () => {
  it.each(everyone)('%s, %s, two-factor %s, agency %j', (role, status, mfa, agency) => {
    const a = actor(role, { status, mfaEnrolled: mfa, agencyId: agency?.id ?? null });
    // Reading: a designated officer on the case who is not suspended or unverified (a lapsed one still reads).
    const reads = role !== 'designated_officer' ? 'not_designated_officer' : status === 'suspended' || status === 'pending' ? 'not_verified' : 'allow';
    expect(code(canReadSpecialFile(a, CASES.onCase))).toBe(reads);
    expect(code(canReadSpecialFile(a, CASES.notOnCase))).toBe(reads === 'allow' ? 'not_on_case' : reads);
    // Logging an emergency verbal share obliges a written record in the file: the same membership.
    expect(code(canShareInCase(a, CASES.onCase))).toBe(reads);
    expect(code(canShareInCase(a, CASES.notOnCase))).toBe(reads === 'allow' ? 'not_on_case' : reads);
    // Adding an officer: an officer on the case who may share, adding a verified designated officer of a signatory agency.
    const officer = { role: 'designated_officer', status: 'verified' as const, agency: signedA };
    const adds = reads !== 'allow' ? reads : code(canShare(a, agency));
    expect(code(canAddCaseOfficer(a, agency, CASES.onCase, officer))).toBe(adds);
    expect(code(canAddCaseOfficer(a, agency, CASES.notOnCase, officer))).toBe(reads === 'allow' ? 'not_on_case' : reads);
  });

  it('adds only verified designated officers of signatory agencies', () => {
    const me = actor('designated_officer');
    const add = (officer: { role: string; status: 'pending' | 'verified' | 'expired' | 'suspended'; agency: AgencyFacts | null }) =>
      code(canAddCaseOfficer(me, signedA, CASES.onCase, officer));
    expect(add({ role: 'practitioner', status: 'verified', agency: signedA })).toBe('recipient_not_designated_officer');
    for (const status of ['pending', 'expired', 'suspended'] as const)
      expect(add({ role: 'designated_officer', status, agency: signedA })).toBe('recipient_not_verified');
    expect(add({ role: 'designated_officer', status: 'verified', agency: unsignedA })).toBe('recipient_agency_not_signatory');
    expect(add({ role: 'designated_officer', status: 'verified', agency: null })).toBe('recipient_agency_not_signatory');
  });
});

describe('the admin route out: the marking agency’s admin or a system admin, verified', () => {
  it.each(ROLES.flatMap((role) => STATUSES.map((status) => [role, status] as const)))('%s (%s)', (role, status) => {
    const a = actor(role, { status });
    const admin = role === 'agency_admin' || role === 'system_admin';
    const base = !admin ? 'not_an_admin' : status !== 'verified' ? 'actor_not_verified' : 'allow';
    expect(code(canUnmarkAsAdmin(a, A))).toBe(base);
    // Another agency's officer marked the child, or nobody ever did: only a system admin.
    const elsewhere = base !== 'allow' ? base : role === 'system_admin' ? 'allow' : 'not_marking_agency';
    expect(code(canUnmarkAsAdmin(a, B))).toBe(elsewhere);
    expect(code(canUnmarkAsAdmin(a, null))).toBe(elsewhere);
  });
});

describe('sharing about a marked child, and cancelling obligations', () => {
  it.each(ROLES)('%s', (role) => {
    const a = actor(role);
    const officers = [{ role: 'designated_officer' }];
    const notDo = role !== 'designated_officer' ? 'not_designated_officer' : null;
    expect(code(canShareAboutMarkedChild(a, { kind: 'written_record', emergency: false, recipients: officers }))).toBe(notDo ?? 'allow');
    expect(code(canShareAboutMarkedChild(a, { kind: 'verbal', emergency: true, recipients: officers }))).toBe(notDo ?? 'allow');
    expect(code(canShareAboutMarkedChild(a, { kind: 'verbal', emergency: false, recipients: officers }))).toBe(notDo ?? 'verbal_share_refused');
    expect(code(canShareAboutMarkedChild(a, { kind: 'message', emergency: false, recipients: officers }))).toBe(notDo ?? 'written_records_only');
    expect(code(canShareAboutMarkedChild(a, { kind: 'written_record', emergency: false, recipients: [{ role: 'practitioner' }] }))).toBe(
      notDo ?? 'recipient_not_designated_officer',
    );
    expect(code(canCancelObligation(a))).toBe(role === 'agency_admin' || role === 'system_admin' ? 'allow' : 'not_an_admin');
  });
});

describe('no side doors into the case', () => {
  it('a special file takes no conversation participants; a conversation does', () => {
    expect(code(canAddThreadParticipant({ tier: 'offending_risk' }))).toBe('special_file_needs_case_officers');
    expect(code(canAddThreadParticipant({ tier: 'welfare' }))).toBe('allow');
  });

  it('only a written record discharges an obligation', () => {
    expect(code(canDischargeObligationWith({ kind: 'written_record' }))).toBe('allow');
    for (const kind of ['message', 'verbal', '']) expect(code(canDischargeObligationWith({ kind }))).toBe('written_record_required');
  });
});
