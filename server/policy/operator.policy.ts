import { allow, deny, type Decision, type TargetUser } from './types';

/**
 * The operator is whoever runs `npm run haven` on the server. They are no Haven user: holding
 * the installation's configuration and database credentials already lets them do anything, so
 * these rules only keep the command line from doing what the web would refuse for its own sake
 * (a second "first" admin, suspending someone twice).
 */

/** The command line makes the first system admin, or a new one when every system admin is suspended; after that admins invite admins. */
export function canOperatorCreateSystemAdmin(activeSystemAdmins: number): Decision {
  if (activeSystemAdmins > 0) {
    return deny(
      'system_admin_exists',
      'A system admin already exists. Ask them to add another admin from the admin screen; create-admin only makes the first one (or one when every system admin is suspended).',
    );
  }
  return allow;
}

export function canOperatorSuspend(target: TargetUser): Decision {
  if (target.status === 'suspended') return deny('already_suspended', 'This user is already suspended.');
  return allow;
}
