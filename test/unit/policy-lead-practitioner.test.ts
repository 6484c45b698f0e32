import { describe, expect, it } from 'vitest';
import {
  ROLES,
  canAppointLeadPractitioner,
  canEndLeadPractitioner,
  canEndLeadWithInvolvement,
  canListLedChildren,
  canManageLeadPractitioner,
  canReadIndex,
  canReadMultiAgencyChronology,
  canReplaceLeadPractitioner,
  canSeeInMultiAgencyChronology,
  type Actor,
  type AgencyFacts,
  type LeadCandidate,
  type OwnAppointment,
  type Role,
} from '../../server/policy';
import { A, B, STATUSES, code, signedA, unsignedA } from './policy-fixtures';

const actor = (role: Role, over: Partial<Actor> = {}): Actor => ({ id: 'me', role, agencyId: A, status: 'verified', mfaEnrolled: true, ...over });
const AGENCIES: (AgencyFacts | null)[] = [signedA, unsignedA, null];
/** Every actor: role × standing × two-factor × agency (signed, not signed, none). */
const everyone = ROLES.flatMap((role) =>
  STATUSES.flatMap((status) => [true, false].flatMap((mfa) => AGENCIES.map((agency) => [role, status, mfa, agency] as const))),
);
const served = { involvedAgencyIds: [B, A] };
const notServed = { involvedAgencyIds: [B] };
const colleague: LeadCandidate = { id: 'them', role: 'practitioner', agencyId: A, status: 'verified' };

/** What an agency admin's standing alone decides, in the order the policy checks it. */
function adminStanding(role: Role, status: string, mfa: boolean, agency: AgencyFacts | null): string {
  if (role !== 'agency_admin') return 'not_agency_admin';
  if (status === 'suspended') return 'actor_suspended';
  if (status !== 'verified') return 'actor_not_verified';
  if (!mfa) return 'mfa_not_enrolled';
  if (!agency) return 'no_agency';
  if (!agency.protocolSigned) return 'agency_not_signatory';
  return 'allow';
}

describe('ending a lead appointment with the involvement it rests on: that agency’s own appointment only', () => {
  it.each(everyone)('%s, %s, two-factor %s, agency %j', (role, status, mfa, agency) => {
    // The standing to end the involvement is canContributeToIndex's; this decides only whose appointment goes with it.
    const a = actor(role, { status, mfaEnrolled: mfa, agencyId: agency?.id ?? null });
    expect(code(canEndLeadWithInvolvement(a, { agencyId: A }))).toBe(agency ? 'allow' : 'other_agency');
    expect(code(canEndLeadWithInvolvement(a, { agencyId: B }))).toBe('other_agency');
  });
});

describe('appointing, changing and ending a lead practitioner: an admin of an involved agency, in good standing', () => {
  it.each(everyone)('%s, %s, two-factor %s, agency %j', (role, status, mfa, agency) => {
    const a = actor(role, { status, mfaEnrolled: mfa, agencyId: agency?.id ?? null });
    const standing = adminStanding(role, status, mfa, agency);
    expect(code(canManageLeadPractitioner(a, agency, served))).toBe(standing);
    expect(code(canManageLeadPractitioner(a, agency, notServed))).toBe(standing === 'allow' ? 'not_involved' : standing);
    expect(code(canAppointLeadPractitioner(a, agency, served, colleague))).toBe(standing);
    expect(code(canAppointLeadPractitioner(a, agency, notServed, colleague))).toBe(standing === 'allow' ? 'not_involved' : standing);
    // Ending needs the appointing agency, not involvement: an agency that stopped serving the child still ends its lead.
    expect(code(canEndLeadPractitioner(a, agency, { agencyId: A }))).toBe(standing);
    expect(code(canEndLeadPractitioner(a, agency, { agencyId: B }))).toBe(standing === 'allow' ? 'other_agency' : standing);
    expect(code(canEndLeadPractitioner(a, agency, null))).toBe(standing);
  });

  it('never lets a system admin, a practitioner or a designated officer appoint, whatever the child', () => {
    for (const role of ['system_admin', 'practitioner', 'designated_officer'] as const) {
      expect(code(canAppointLeadPractitioner(actor(role), signedA, { involvedAgencyIds: [A, B] }, colleague))).toBe('not_agency_admin');
      expect(code(canManageLeadPractitioner(actor(role, { agencyId: null }), null, { involvedAgencyIds: [A] }))).toBe('not_agency_admin');
    }
  });

  it('appoints only a verified practitioner or designated officer of the admin’s own agency', () => {
    const admin = actor('agency_admin');
    const appoint = (candidate: Partial<LeadCandidate>) => code(canAppointLeadPractitioner(admin, signedA, served, { ...colleague, ...candidate }));
    expect(appoint({})).toBe('allow');
    expect(appoint({ role: 'designated_officer' })).toBe('allow');
    expect(appoint({ agencyId: B })).toBe('other_agency');
    expect(appoint({ agencyId: null, role: 'system_admin' })).toBe('other_agency');
    expect(appoint({ role: 'agency_admin' })).toBe('not_a_practitioner');
    expect(appoint({ role: 'system_admin' })).toBe('not_a_practitioner');
    for (const status of ['pending', 'expired', 'suspended'] as const) expect(appoint({ status })).toBe('candidate_not_verified');
    // The admin may appoint themselves to nothing: they are an admin.
    expect(appoint({ id: 'me', role: 'agency_admin' })).toBe('not_a_practitioner');
  });
});

describe('one lead per child', () => {
  const current = (over: { agencyId?: string; agencyInvolved?: boolean } = {}) => ({
    agencyId: B,
    agencyInvolved: true,
    userName: 'Morgan Reid',
    agencyName: 'Northmoor Constabulary',
    ...over,
  });

  it('replaces the admin’s own agency’s lead, and an agency’s that no longer serves the child; another serving agency’s stands', () => {
    const admin = actor('agency_admin');
    expect(code(canReplaceLeadPractitioner(admin, null))).toBe('allow');
    expect(code(canReplaceLeadPractitioner(admin, current({ agencyId: A })))).toBe('allow');
    expect(code(canReplaceLeadPractitioner(admin, current({ agencyId: A, agencyInvolved: false })))).toBe('allow');
    expect(code(canReplaceLeadPractitioner(admin, current({ agencyInvolved: false })))).toBe('allow');
    const refused = canReplaceLeadPractitioner(admin, current());
    expect(code(refused)).toBe('lead_exists');
    // The refusal says who holds it and whose admin can change it.
    expect(refused.allow ? '' : refused.reason.message).toMatch(/Morgan Reid of Northmoor Constabulary.*admin of Northmoor Constabulary/);
  });
});

describe('the multi-agency chronology: the current lead only, in good standing, while their agency serves the child', () => {
  const current: OwnAppointment = { agencyId: A, ended: false, agencyInvolved: true };

  it.each(everyone)('%s, %s, two-factor %s, agency %j', (role, status, mfa, agency) => {
    const a = actor(role, { status, mfaEnrolled: mfa, agencyId: agency?.id ?? null });
    const read = code(canReadIndex(a));
    const lead = read !== 'allow' ? read : (role === 'practitioner' || role === 'designated_officer') && agency?.id === A ? 'allow' : 'not_lead_practitioner';
    expect(code(canReadMultiAgencyChronology(a, current))).toBe(lead);
    expect(code(canReadMultiAgencyChronology(a, null))).toBe(read === 'allow' ? 'not_lead_practitioner' : read);
    expect(code(canReadMultiAgencyChronology(a, { ...current, ended: true }))).toBe(lead === 'allow' ? 'lead_ended' : lead);
    expect(code(canReadMultiAgencyChronology(a, { ...current, agencyInvolved: false }))).toBe(lead === 'allow' ? 'lead_agency_not_involved' : lead);
    // An ended appointment says so even when the agency has also stopped serving the child.
    expect(code(canReadMultiAgencyChronology(a, { ...current, ended: true, agencyInvolved: false }))).toBe(lead === 'allow' ? 'lead_ended' : lead);
    // Home's list of children one leads follows reading the index and the casework roles.
    const lists = read !== 'allow' ? read : role === 'practitioner' || role === 'designated_officer' ? 'allow' : 'not_casework_role';
    expect(code(canListLedChildren(a))).toBe(lists);
  });

  it('a lead who moved to another agency is no longer its lead', () => {
    expect(code(canReadMultiAgencyChronology(actor('practitioner', { agencyId: B }), current))).toBe('not_lead_practitioner');
  });

  it('lets a suspended, unverified or two-factor-less lead see nothing, and an expired one read (as the index allows)', () => {
    expect(code(canReadMultiAgencyChronology(actor('practitioner', { status: 'suspended' }), current))).toBe('suspended');
    expect(code(canReadMultiAgencyChronology(actor('practitioner', { status: 'pending' }), current))).toBe('not_verified');
    expect(code(canReadMultiAgencyChronology(actor('practitioner', { mfaEnrolled: false }), current))).toBe('mfa_not_enrolled');
    expect(code(canReadMultiAgencyChronology(actor('practitioner', { status: 'expired' }), current))).toBe('allow');
  });
});

describe('need-to-know inside the multi-agency chronology', () => {
  const CASES = { none: [] as string[], onCase: ['someone', 'me'], notOnCase: ['someone', 'else'] };

  it.each(ROLES.flatMap((role) => STATUSES.map((status) => [role, status] as const)))('%s (%s)', (role, status) => {
    const a = actor(role, { status });
    // Welfare entries: everything the lead may read at all.
    for (const officers of Object.values(CASES)) {
      expect(code(canSeeInMultiAgencyChronology(a, { tier: 'welfare', readerIsParty: false }, officers))).toBe('allow');
      // An entry one took part in is in one's own chronology already.
      expect(code(canSeeInMultiAgencyChronology(a, { tier: 'offending_risk', readerIsParty: true }, officers))).toBe('allow');
    }
    // The offending-risk tier: only a designated officer on the case who is not suspended or unverified.
    const officer = role !== 'designated_officer' ? 'not_designated_officer' : status === 'suspended' || status === 'pending' ? 'not_verified' : 'allow';
    expect(code(canSeeInMultiAgencyChronology(a, { tier: 'offending_risk', readerIsParty: false }, CASES.onCase))).toBe(officer);
    expect(code(canSeeInMultiAgencyChronology(a, { tier: 'offending_risk', readerIsParty: false }, CASES.notOnCase))).toBe(
      officer === 'allow' ? 'not_on_case' : officer,
    );
    expect(code(canSeeInMultiAgencyChronology(a, { tier: 'offending_risk', readerIsParty: false }, CASES.none))).toBe(
      officer === 'allow' ? 'not_on_case' : officer,
    );
  });
});
