import { describe, expect, it } from 'vitest';
import { canReach, canReportIntegrity, ROLES, type Actor, type Role } from '../../server/policy';
import { A, STATUSES, code } from './policy-fixtures';

const actor = (role: Role, over: Partial<Actor> = {}): Actor => ({ id: 'me', role, agencyId: A, status: 'verified', mfaEnrolled: true, ...over });
const everyone = ROLES.flatMap((role) => STATUSES.flatMap((status) => [true, false].map((mfa) => [role, status, mfa] as const)));

describe('reporting something altered on the server', () => {
  it.each(everyone)('%s, %s, two-factor %s: only about what they read, and only in good standing', (role, status, mfa) => {
    const a = actor(role, { status, mfaEnrolled: mfa });
    const standing = code(canReach(a, 'service'));
    expect(code(canReportIntegrity(a, { readerIds: ['someone', 'me'] }))).toBe(standing);
    // A system admin is told of reports, but cannot make one about a conversation they are not in.
    expect(code(canReportIntegrity(a, { readerIds: ['someone', 'else'] }))).toBe(standing === 'allow' ? 'not_a_reader' : standing);
    expect(code(canReportIntegrity(a, { readerIds: [] }))).toBe(standing === 'allow' ? 'not_a_reader' : standing);
  });
});
