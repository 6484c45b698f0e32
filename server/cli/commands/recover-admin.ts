import { z } from 'zod';
import { IDENTITY_CHECK_METHODS } from '../../accounts/mfa-recovery.schema';
import { email, reason } from '../../shared/schemas';
import { defineCommand } from '../command';
import { EXIT, uuid } from '../io';

export const recoverAdmin = defineCommand({
  name: 'recover-admin',
  summary: 'Recover the last system admin’s lost second factor (prints a one-time link)',
  description: [
    'For a system admin who lost their authenticator app when no two other system admins can recover',
    'them from the admin screen (one starts, a different one confirms). Record how and when you checked',
    'who they are. Every session of theirs ends; the link printed here works once, for',
    'HAVEN_MFA_RECOVERY_HOURS: with it and their password they set up a new authenticator app. Hand it',
    'over in person or over a secure channel; it is not stored and cannot be shown again. The other system',
    'admins are alerted, and the recovery is audited.',
  ],
  positionals: [{ name: 'user', description: 'the system admin’s id or email address' }],
  options: {
    'identity-check': { type: 'string', value: `<${IDENTITY_CHECK_METHODS.join('|')}>`, description: 'how you checked who they are' },
    'identity-checked-at': { type: 'string', value: '<ISO time>', description: 'when you checked it (default: now)' },
    reason: { type: 'string', value: '<why>', description: 'why (kept in the audit log)' },
  },
  input: z
    .strictObject({
      user: z.union([email, uuid], { message: 'expected a user id or an email address' }),
      'identity-check': z.enum(IDENTITY_CHECK_METHODS, { message: `expected one of ${IDENTITY_CHECK_METHODS.join(', ')}` }),
      'identity-checked-at': z.iso.datetime({ offset: true, message: 'expected an ISO 8601 time such as 2026-12-04T21:00:00Z' }).optional(),
      reason,
    })
    .transform((o) => ({ user: o.user, method: o['identity-check'], checkedAt: o['identity-checked-at'], reason: o.reason })),
  examples: ['recover-admin sam.okafor@haven.northmoor.example --identity-check in_person_photo_id --reason "Lost phone, checked in person"'],
  async run(ctx, input, io) {
    const { recoverSystemAdminAsOperator } = await import('../../accounts/mfa-recovery-operator.service');
    const done = await recoverSystemAdminAsOperator(ctx, input.user, {
      method: input.method,
      checkedAt: input.checkedAt ? new Date(input.checkedAt) : ctx.clock(),
      reason: input.reason,
    });
    io.out(`Recovery started for ${done.name} <${done.email}> (user ${done.userId}); every session of theirs has ended.`);
    io.out(`One-time link, until ${done.expiresAt} (shown once):`);
    io.out(done.url);
    return EXIT.ok;
  },
});
