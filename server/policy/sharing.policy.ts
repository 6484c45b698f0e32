import type { Actor, AgencyFacts, DenyReason } from './types';
import { EXISTING_ARRANGEMENTS } from './messages';

/**
 * Whether this user may share at all, with every reason they may not (not only the first,
 * so the person can fix them all at once). Every share kind calls this first.
 */
export function sharingStatus(actor: Actor, agency: AgencyFacts | null): { allowed: boolean; reasons: DenyReason[] } {
  const reasons: DenyReason[] = [];
  if (!actor.mfaEnrolled) {
    reasons.push({ code: 'mfa_not_enrolled', message: 'Set up two-factor sign-in before sharing.' });
  }
  switch (actor.status) {
    case 'pending':
      reasons.push({ code: 'not_verified', message: 'An admin has not yet verified your identity, vetting check and protocol training.' });
      break;
    case 'expired':
      reasons.push({
        code: 'verification_expired',
        message: 'Your verification has expired (vetting check or protocol training is due for renewal). Ask your agency admin to renew it.',
      });
      break;
    case 'suspended':
      reasons.push({ code: 'suspended', message: 'Your account is suspended. Contact your agency admin.' });
      break;
    case 'verified':
      break;
  }
  if (agency === null) {
    reasons.push({ code: 'no_agency', message: 'You do not belong to an agency, so you cannot share information about children.' });
  } else if (!agency.protocolSigned) {
    reasons.push({ code: 'agency_not_signatory', message: `Your agency ${EXISTING_ARRANGEMENTS}` });
  }
  return { allowed: reasons.length === 0, reasons };
}
