import { describe, expect, it } from 'vitest';
import { canManageOwnPasskeys, canSignInWithPasskeyAlone, ROLES, type Actor } from '../../server/policy';
import { A, STATUSES, code } from './policy-fixtures';

// Every role × status × two-factor set up × agency setting: exactly one combination family signs
// in with a passkey alone — not suspended, not a system admin, enrolled, agency allows it.
describe('signing in with a passkey alone', () => {
  const agencies = [null, { passkeyOnlySignIn: false }, { passkeyOnlySignIn: true }];
  for (const role of ROLES)
    for (const status of STATUSES)
      for (const mfaEnrolled of [true, false])
        for (const agency of agencies) {
          const expected =
            status === 'suspended'
              ? 'actor_suspended'
              : role === 'system_admin'
                ? 'password_required'
                : !mfaEnrolled
                  ? 'enrolment_required'
                  : agency?.passkeyOnlySignIn
                    ? 'allow'
                    : 'password_required';
          it(`${role}, ${status}, ${mfaEnrolled ? 'enrolled' : 'not enrolled'}, agency ${JSON.stringify(agency)}: ${expected}`, () => {
            expect(code(canSignInWithPasskeyAlone({ role, status, mfaEnrolled }, agency))).toBe(expected);
          });
        }

  it('a system admin is refused even where an agency allows it', () => {
    expect(code(canSignInWithPasskeyAlone({ role: 'system_admin', status: 'verified', mfaEnrolled: true }, { passkeyOnlySignIn: true }))).toBe(
      'password_required',
    );
  });
});

describe('managing one’s own passkeys', () => {
  for (const role of ROLES)
    for (const status of STATUSES) {
      const expected = status === 'suspended' ? 'actor_suspended' : 'allow';
      it(`${role}, ${status}: ${expected}`, () => {
        const actor: Actor = { id: 'me', role, agencyId: role === 'system_admin' ? null : A, status, mfaEnrolled: true };
        expect(code(canManageOwnPasskeys(actor))).toBe(expected);
      });
    }
});
