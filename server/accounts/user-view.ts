import type { Role, UserStatus } from '../policy';
import type { UserRecord } from './accounts.store';
import { userStatusOn } from './verification-rules';

/** What the API shows of a user: never the password hash, TOTP secret or lockout counters. */
export interface UserView {
  id: string;
  email: string;
  name: string;
  role: Role;
  agencyId: string | null;
  agencyName: string | null;
  status: UserStatus;
  mfaEnrolled: boolean;
  verification: null | {
    verifiedAt: string;
    verifiedBy: { id: string; name: string };
    identityCheckedBy: string;
    identityCheckedOn: string;
    vettingCheckedOn: string;
    trainingCompletedOn: string;
    expiresOn: string;
  };
  suspension: null | { at: string; by: { id: string; name: string }; reason: string };
  createdAt: string;
}

const OPERATOR = { id: '', name: 'the server operator (command line)' };

/** `names` resolves the admins named in verification and suspension. */
export function toUserView(record: UserRecord, today: string, names: Map<string, string>): UserView {
  const { user, agency, verification } = record;
  const nameOf = (id: string) => ({ id, name: names.get(id) ?? 'Unknown user' });
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    agencyId: user.agencyId,
    agencyName: agency?.name ?? null,
    status: userStatusOn(today, user, verification),
    mfaEnrolled: user.totpEnrolledAt !== null,
    verification: verification && {
      verifiedAt: verification.verifiedAt.toISOString(),
      verifiedBy: nameOf(verification.verifiedBy),
      identityCheckedBy: verification.identityCheckedBy,
      identityCheckedOn: verification.identityCheckedOn,
      vettingCheckedOn: verification.vettingCheckedOn,
      trainingCompletedOn: verification.trainingCompletedOn,
      expiresOn: verification.expiresOn,
    },
    // No suspending user means the operator did it at the server's command line (npm run haven).
    suspension: user.suspendedAt
      ? { at: user.suspendedAt.toISOString(), by: user.suspendedBy ? nameOf(user.suspendedBy) : OPERATOR, reason: user.suspensionReason ?? '' }
      : null,
    createdAt: user.createdAt.toISOString(),
  };
}

/** Ids of the admins a set of records mentions, to resolve their names in one query. */
export function mentionedUserIds(records: UserRecord[]): string[] {
  const ids = new Set<string>();
  for (const { user, verification } of records) {
    if (verification) ids.add(verification.verifiedBy);
    if (user.suspendedBy) ids.add(user.suspendedBy);
  }
  return [...ids];
}
