import { allow, deny, type Actor, type Decision } from './types';

/**
 * How far into Haven a signed-in session reaches, by route: signing out (and reading one's own
 * session, which says why nothing else is open), one's own account (enrolling two-factor and
 * encryption keys, the key backup), or the service itself (everything else).
 */
export type Reach = 'sign_out' | 'own_account' | 'service';

/**
 * Rights end with their reason: a suspended user may only sign out; a user no admin has verified
 * yet may only finish enrolling and look after their own account. Keys are part of enrolling,
 * because the verifying admin checks their fingerprint. A user whose verification has lapsed
 * keeps the service (they can read but not share: the sharing policy says so).
 */
export function canReach(actor: Actor, reach: Reach): Decision {
  if (reach === 'sign_out') return allow;
  if (actor.status === 'suspended') return deny('suspended', 'Your account is suspended: you can only sign out. Contact your agency admin.');
  if (reach === 'own_account') return allow;
  if (actor.status === 'pending') {
    return deny(
      'not_verified',
      'Your account is waiting for an admin to verify it. Until then you can set up two-factor sign-in and your encryption keys, and nothing else.',
    );
  }
  return allow;
}

/** Publishing and backing up one's own keys. */
export function canManageOwnKeys(actor: Actor): Decision {
  return canReach(actor, 'own_account');
}
