import { describe, expect, it } from 'vitest';
import { canSeeChildNameInAudit, type Actor, type AuditChildFacts } from '../../server/policy';
import { A, B, code } from './policy-fixtures';

const actor = (role: Actor['role'], agencyId: string | null, status: Actor['status'] = 'verified'): Actor => ({
  id: 'u',
  role,
  agencyId,
  status,
  mfaEnrolled: true,
});
const heldByA: AuditChildFacts = { sourceAgencyId: A, readerAgencyInvolved: false, hidden: false };
const servedByReader: AuditChildFacts = { sourceAgencyId: B, readerAgencyInvolved: true, hidden: false };
const otherAgencys: AuditChildFacts = { sourceAgencyId: B, readerAgencyInvolved: false, hidden: false };
const shielded: AuditChildFacts = { ...heldByA, hidden: true };

describe('naming a child in the audit log', () => {
  it.each([
    ['system admin, any child', actor('system_admin', null), otherAgencys, 'allow'],
    ['system admin, shielded child', actor('system_admin', null), shielded, 'child_not_found'],
    ['agency admin, child their agency holds', actor('agency_admin', A), heldByA, 'allow'],
    ['agency admin, child their agency serves', actor('agency_admin', A), servedByReader, 'allow'],
    ['agency admin, another agency’s child', actor('agency_admin', A), otherAgencys, 'not_involved'],
    ['agency admin, shielded child', actor('agency_admin', A), shielded, 'child_not_found'],
    ['suspended agency admin', actor('agency_admin', A, 'suspended'), heldByA, 'actor_suspended'],
    ['expired agency admin', actor('agency_admin', A, 'expired'), heldByA, 'actor_not_verified'],
    ['practitioner', actor('practitioner', A), heldByA, 'not_an_admin'],
    ['designated officer', actor('designated_officer', A), heldByA, 'not_an_admin'],
  ])('%s', (_, who, child, expected) => {
    expect(code(canSeeChildNameInAudit(who, child))).toBe(expected);
  });
});
