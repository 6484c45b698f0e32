import { allow, deny, type Actor, type Decision, type Role, type UserStatus } from './types';

/** Adding, listing and removing one's own passkeys: anyone signed in whose account is not suspended. */
export function canManageOwnPasskeys(actor: Actor): Decision {
  return actor.status === 'suspended' ? deny('actor_suspended', 'Your account is suspended.') : allow;
}

/**
 * Signing in with a passkey alone, no password: only where the person's agency allows it, never
 * for a system admin (who always gives a password and a second factor: their account can change
 * everyone's), and never for a suspended account or one that has not set up two-factor sign-in.
 */
export function canSignInWithPasskeyAlone(
  person: { role: Role; status: UserStatus; mfaEnrolled: boolean },
  agency: { passkeyOnlySignIn: boolean } | null,
): Decision {
  if (person.status === 'suspended') return deny('actor_suspended', 'This account is suspended.');
  if (person.role === 'system_admin') {
    return deny('password_required', 'System administrators always sign in with their password and then a passkey or code.');
  }
  if (!person.mfaEnrolled) return deny('enrolment_required', 'Sign in with your password first to finish setting up your account.');
  if (!agency?.passkeyOnlySignIn) {
    return deny('password_required', 'Your agency asks for your password as well: sign in with your password, then use your passkey.');
  }
  return allow;
}
