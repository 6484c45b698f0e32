import { describe, expect, it } from 'vitest';
import { ROLES, canListRecentChildren, canSeeChildName, type Actor, type ChildNameFacts, type Role } from '../../server/policy';
import { A, B, STATUSES, code } from './policy-fixtures';

const actor = (role: Role, over: Partial<Actor> = {}): Actor => ({ id: 'me', role, agencyId: A, status: 'verified', mfaEnrolled: true, ...over });
const everyone = ROLES.flatMap((role) => STATUSES.flatMap((status) => [true, false].map((mfa) => [role, status, mfa] as const)));
const served: ChildNameFacts = { sourceAgencyId: B, viewerAgencyInvolved: true, hidden: false };

describe('naming a child without a stated reason', () => {
  it.each(everyone)('%s, %s, two-factor %s, agency serving the child', (role, status, mfa) => {
    const standing = !mfa ? 'mfa_not_enrolled' : status === 'suspended' ? 'suspended' : status === 'pending' ? 'not_verified' : 'allow';
    const expected = standing !== 'allow' ? standing : role === 'practitioner' || role === 'designated_officer' ? 'allow' : 'not_casework_role';
    expect(code(canSeeChildName(actor(role, { status, mfaEnrolled: mfa }), served))).toBe(expected);
    expect(code(canListRecentChildren(actor(role, { status, mfaEnrolled: mfa })))).toBe(expected);
  });

  it('names the child to the agency that serves them or holds their entry, and to nobody else', () => {
    const me = actor('practitioner');
    expect(code(canSeeChildName(me, served))).toBe('allow');
    expect(code(canSeeChildName(me, { sourceAgencyId: A, viewerAgencyInvolved: false, hidden: false }))).toBe('allow');
    expect(code(canSeeChildName(me, { sourceAgencyId: B, viewerAgencyInvolved: false, hidden: false }))).toBe('not_involved');
    expect(code(canSeeChildName(actor('designated_officer', { agencyId: null }), { ...served, viewerAgencyInvolved: false }))).toBe('not_involved');
  });

  it('names the child to a designated officer on their case, whatever their agency records; being on a case names nothing to others', () => {
    const apart = { sourceAgencyId: B, viewerAgencyInvolved: false, hidden: false };
    expect(code(canSeeChildName(actor('designated_officer'), { ...apart, viewerOnCase: true }))).toBe('allow');
    expect(code(canSeeChildName(actor('designated_officer'), { ...apart, viewerOnCase: false }))).toBe('not_involved');
    expect(code(canSeeChildName(actor('practitioner'), { ...apart, viewerOnCase: true }))).toBe('not_involved');
    expect(code(canSeeChildName(actor('designated_officer'), { ...apart, viewerOnCase: true, hidden: true }))).toBe('child_not_found');
    expect(code(canSeeChildName(actor('designated_officer', { status: 'suspended' }), { ...apart, viewerOnCase: true }))).toBe('suspended');
  });

  it('never names a child who is not on the index for this viewer (delisted, or shielded without an override)', () => {
    expect(code(canSeeChildName(actor('practitioner'), { ...served, hidden: true }))).toBe('child_not_found');
    expect(code(canSeeChildName(actor('practitioner'), { sourceAgencyId: A, viewerAgencyInvolved: true, hidden: true }))).toBe('child_not_found');
  });
});
