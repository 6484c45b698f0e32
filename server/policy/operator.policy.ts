import { allow, deny, type Decision, type TargetUser } from './types';

/**
 * The operator is whoever runs `npm run haven` on the server. They are no Haven user: holding
 * the installation's configuration and database credentials already lets them do anything, so
 * these rules only keep the command line from doing what the web would refuse for its own sake
 * (a second "first" admin, suspending someone twice).
 */

/** The command line makes the first system admin, or a new one when none can act (every one suspended or their verification lapsed); after that admins invite admins. */
export function canOperatorCreateSystemAdmin(activeSystemAdmins: number): Decision {
  if (activeSystemAdmins > 0) {
    return deny(
      'system_admin_exists',
      'A system admin already exists. Ask them to add another admin from the admin screen; create-admin only makes the first one (or one when no system admin can act: every one suspended or their verification lapsed).',
    );
  }
  return allow;
}

export function canOperatorSuspend(target: TargetUser): Decision {
  if (target.status === 'suspended') return deny('already_suspended', 'This user is already suspended.');
  return allow;
}

/**
 * The organisation root certifies admins only, each for the keys they hold now: an agency or system
 * admin in good standing, whose current signing key has the fingerprint they read out to the
 * operator (so a key swapped in the database is not what gets certified).
 */
export function canCertifyAdmin(target: TargetUser, currentFingerprint: string | null, givenFingerprint: string): Decision {
  if (target.role !== 'agency_admin' && target.role !== 'system_admin') {
    return deny('not_an_admin', 'Only agency admins and system admins are certified; this user is neither.');
  }
  if (target.role === 'agency_admin' && target.agencyId === null) return deny('no_agency', 'This agency admin belongs to no agency.');
  if (target.status === 'suspended') return deny('suspended', 'This admin is suspended.');
  if (target.status !== 'verified') return deny('not_verified', 'This admin’s verification is not current.');
  if (currentFingerprint === null) return deny('no_keys', 'This admin has not set up encryption keys yet: they sign in once in their browser first.');
  if (currentFingerprint !== givenFingerprint.toLowerCase()) {
    return deny('fingerprint_mismatch', 'The fingerprint given is not this admin’s current key fingerprint: ask them to read it out again from their profile.');
  }
  return allow;
}

/**
 * The operator, holding the organisation root, revokes an admin's certificates from key-log size
 * `fromTreeSize` on: only for someone who holds certificates, and not from a size the log has not
 * reached (that would leave entries logged meanwhile vouched for by a key the operator is taking back).
 */
export function canRevokeAdminCertificates(certifiedKeys: number, fromTreeSize: number, logSize: number): Decision {
  if (certifiedKeys === 0) return deny('not_certified', 'This user holds no admin certificate: there is nothing to revoke.');
  if (fromTreeSize > logSize) {
    return deny(
      'beyond_log',
      `The key log has ${logSize} entries: revoke from a size up to ${logSize} (the default is now, ${logSize}; 0 takes back everything).`,
    );
  }
  return allow;
}
