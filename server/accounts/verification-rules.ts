import { addMonths } from '../shared/clock';
import type { UserStatus } from '../policy';

export interface RenewalPeriods {
  vettingMonths: number;
  trainingMonths: number;
}

/** A verification lapses at the earliest renewal date: vetting check or protocol training, whichever is due first. */
export function verificationExpiresOn(dates: { vettingCheckedOn: string; trainingCompletedOn: string }, renewal: RenewalPeriods): string {
  const vettingDue = addMonths(dates.vettingCheckedOn, renewal.vettingMonths);
  const trainingDue = addMonths(dates.trainingCompletedOn, renewal.trainingMonths);
  return vettingDue < trainingDue ? vettingDue : trainingDue;
}

/** Suspension wins over everything; otherwise the newest verification decides, expiring on its expiry date. */
export function userStatusOn(today: string, user: { suspendedAt: Date | null }, verification: { expiresOn: string } | null): UserStatus {
  if (user.suspendedAt) return 'suspended';
  if (!verification) return 'pending';
  return today >= verification.expiresOn ? 'expired' : 'verified';
}
