import { z } from 'zod';
import { ROLES } from '../policy';
import { email, isoDate, password, personName, reason, uuidParam } from '../shared/schemas';

const role = z.enum(ROLES, { message: `Choose a role: one of ${ROLES.join(', ')}` });
const totpCode = z
  .string()
  .trim()
  .regex(/^\d{6}$/, 'Enter the 6-digit code from your authenticator app');

/** A password being checked, not chosen: length is not checked, a wrong-length password is simply a wrong password. */
export const currentPassword = z.string({ message: 'Enter your password' }).min(1, 'Enter your password').max(1000, 'Enter your password');

export const signInBody = z.strictObject({
  email,
  password: currentPassword,
});

export const codeBody = z.strictObject({ code: totpCode });

export const registerBody = z.strictObject({ email, name: personName, password, agencyId: uuidParam });

export const acceptInviteBody = z.strictObject({ name: personName, password });

export const passwordResetRequestBody = z.strictObject({ email });

export const resetTokenParam = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'This password reset link is not valid. Ask for a new one.');

export const passwordResetBody = z.strictObject({ password, code: totpCode });

export const inviteTokenParam = z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'This invitation link is not valid');

export const createInviteBody = z.strictObject({ email, agencyId: uuidParam, role });

export const verifyBody = z.strictObject({
  role,
  identityCheckedBy: personName,
  identityCheckedOn: isoDate,
  vettingCheckedOn: isoDate,
  trainingCompletedOn: isoDate,
});

export const reasonBody = z.strictObject({ reason });

export const listUsersQuery = z.strictObject({
  status: z
    .enum(['pending', 'verified', 'expired', 'suspended', 'all'], { message: 'status must be pending, verified, expired, suspended or all' })
    .default('all'),
  agencyId: uuidParam.optional(),
});

export const peopleQuery = z.strictObject({ name: z.string().trim().min(2, 'Enter at least 2 letters of the name').max(200) });
