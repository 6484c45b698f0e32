// Recovery of a lost authenticator app, assisted by an admin (docs/sign-in.md): the admins' side
// and the person's one-time link.
import { get, post, seg } from './api';
import type { OwnRecoveryCancelReason } from '../../../server/accounts/mfa-recovery.schema';
import type { OwnMfaRecoveryView } from '../../../server/accounts/mfa-recovery.service';
import type { Enrolment } from './types';

export const IDENTITY_CHECKS = [
  { value: 'in_person_photo_id', label: 'In person, with photo ID' },
  { value: 'video_call_photo_id', label: 'On a video call, with photo ID' },
  { value: 'call_back_known_number', label: 'Called back on a number already on record' },
  { value: 'line_manager_confirmed', label: 'Confirmed by their line manager' },
] as const;
export type IdentityCheckMethod = (typeof IDENTITY_CHECKS)[number]['value'];

export type MfaRecoveryStatus = 'awaiting_confirmation' | 'link_sent' | 'completed' | 'cancelled' | 'replaced' | 'expired';

export interface MfaRecovery {
  id: string;
  userId: string;
  userName: string | null;
  status: MfaRecoveryStatus;
  needsConfirmation: boolean;
  requestedBy: string | null;
  requestedByName?: string | null;
  confirmedBy: string | null;
  confirmedByName?: string | null;
  identityCheckMethod: string;
  identityCheckedAt: string;
  reason: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  /** Set when the person cancelled it themselves: `not_requested` when they say they never asked. */
  cancelledByPerson: 'not_requested' | 'no_longer_needed' | null;
  newKeysFingerprint?: string | null;
}

/** An open recovery of the signed-in person's own account, as they are shown it (the server's view). */
export type OwnMfaRecovery = OwnMfaRecoveryView;

export type { OwnRecoveryCancelReason };

export const STATUS_WORDS: Record<MfaRecoveryStatus, string> = {
  awaiting_confirmation: 'Waiting for a second admin to confirm',
  link_sent: 'Link e-mailed',
  completed: 'New authenticator set up',
  cancelled: 'Cancelled by an admin',
  replaced: 'Replaced by a newer request',
  expired: 'Expired',
};

/** Words for a recovery's status on the admins' list, telling a cancel by the person from one by an admin. */
export function statusWords(r: Pick<MfaRecovery, 'status' | 'cancelledByPerson'>): string {
  if (r.status === 'cancelled' && r.cancelledByPerson === 'not_requested') return 'Cancelled by the person, who says they never asked for it';
  if (r.status === 'cancelled' && r.cancelledByPerson === 'no_longer_needed') return 'Cancelled by the person, who no longer needs it';
  return STATUS_WORDS[r.status];
}

export const mfaRecoveries = {
  request: (userId: string, body: { identityCheck: { method: IdentityCheckMethod; checkedAt: string }; reason: string }): Promise<{ recovery: MfaRecovery }> =>
    post(`/api/users/${seg(userId)}/mfa-recovery`, body),
  list: (): Promise<{ recoveries: MfaRecovery[] }> => get('/api/mfa-recoveries'),
  confirm: (id: string): Promise<{ recovery: MfaRecovery }> => post(`/api/mfa-recoveries/${seg(id)}/confirm`),
  cancel: (id: string, reason: string): Promise<{ recovery: MfaRecovery }> => post(`/api/mfa-recoveries/${seg(id)}/cancel`, { reason }),
  describeLink: (token: string): Promise<{ expiresAt: string }> => get(`/api/auth/mfa-recovery/${seg(token)}`),
  startEnrolment: (token: string, password: string): Promise<Enrolment> => post(`/api/auth/mfa-recovery/${seg(token)}/enrolment`, { password }),
  complete: (token: string, body: { password: string; code: string }): Promise<unknown> => post(`/api/auth/mfa-recovery/${seg(token)}`, body),
  own: (): Promise<{ recovery: OwnMfaRecovery | null }> => get('/api/me/mfa-recovery'),
  cancelOwn: (why: OwnRecoveryCancelReason): Promise<{ cancelled: true }> => post('/api/me/mfa-recovery/cancel', { why }),
};
