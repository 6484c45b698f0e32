import { z } from 'zod';
import { reason } from '../shared/schemas';

/** How the admin checked that the person asking is who they say they are. */
export const IDENTITY_CHECK_METHODS = ['in_person_photo_id', 'video_call_photo_id', 'call_back_known_number', 'line_manager_confirmed'] as const;

export const mfaRecoveryBody = z.strictObject({
  identityCheck: z.strictObject({
    method: z.enum(IDENTITY_CHECK_METHODS, { message: `Say how you checked who they are: one of ${IDENTITY_CHECK_METHODS.join(', ')}` }),
    checkedAt: z.iso.datetime({ offset: true, message: 'Give the date and time of the identity check (ISO 8601)' }),
  }),
  reason,
});

/** Cancelling an open recovery: why, for the audit log. */
export const recoveryCancelBody = z.strictObject({ reason });

/** Why the person cancels a recovery of their own account (see the column's comment in schema-core.ts). */
export const OWN_RECOVERY_CANCEL_REASONS = ['not_requested', 'no_longer_needed'] as const;

/** The person cancelling a recovery of their own account, signed in with their current second factor. */
export const ownRecoveryCancelBody = z.strictObject({
  why: z.enum(OWN_RECOVERY_CANCEL_REASONS, {
    message: 'Say whether you did not ask for this recovery (not_requested) or no longer need it (no_longer_needed)',
  }),
});

export type OwnRecoveryCancelReason = z.infer<typeof ownRecoveryCancelBody>['why'];

export const recoveryTokenParam = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'This recovery link is not valid. Ask your agency admin for a new one.');

export const recoveryPasswordBody = z.strictObject({
  // Length is not checked here: a wrong-length password is simply a wrong password.
  password: z.string({ message: 'Enter your password' }).min(1, 'Enter your password').max(1000, 'Enter your password'),
});

export const recoveryCompleteBody = z.strictObject({
  password: recoveryPasswordBody.shape.password,
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'Enter the 6-digit code from your authenticator app'),
});

export type MfaRecoveryInput = z.infer<typeof mfaRecoveryBody>;
