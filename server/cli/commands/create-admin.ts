import { z } from 'zod';
import { localDate } from '../../shared/clock';
import { email, isoDate, personName } from '../../shared/schemas';
import { defineCommand } from '../command';
import { EXIT } from '../io';

export const createAdmin = defineCommand({
  name: 'create-admin',
  summary: 'Create the first system admin (prints their password and two-factor secret once)',
  description: [
    'Creates a verified system admin with a generated password and two-factor (TOTP) secret, and prints',
    'both once, here, for you to hand over in person or over a secure channel; they are not logged and',
    'cannot be shown again. The admin then invites and verifies everyone else from the admin screen.',
    'Refused when a system admin who can act already exists (one not suspended, whose verification has not lapsed).',
    'The verification dates are recorded as for any user: verification lapses at the earlier renewal.',
  ],
  positionals: [],
  options: {
    email: { type: 'string', value: '<address>', description: 'their work email address (they sign in with it)' },
    name: { type: 'string', value: '<full name>', description: 'their name as colleagues know it' },
    'vetting-checked-on': { type: 'string', value: '<YYYY-MM-DD>', description: 'date of their vetting (DBS) check' },
    'training-completed-on': { type: 'string', value: '<YYYY-MM-DD>', description: 'date they completed protocol training' },
    'identity-checked-on': { type: 'string', value: '<YYYY-MM-DD>', description: 'date their identity was checked (default: today)' },
    'identity-checked-by': { type: 'string', value: '<name>', description: 'who checked it (default: "Installation operator")' },
  },
  input: z
    .strictObject({
      email,
      name: personName,
      'vetting-checked-on': isoDate,
      'training-completed-on': isoDate,
      'identity-checked-on': isoDate.optional(),
      'identity-checked-by': personName.default('Installation operator'),
    })
    .transform((o) => ({
      email: o.email,
      name: o.name,
      vettingCheckedOn: o['vetting-checked-on'],
      trainingCompletedOn: o['training-completed-on'],
      identityCheckedOn: o['identity-checked-on'],
      identityCheckedBy: o['identity-checked-by'],
    })),
  examples: ['create-admin --email jo.bloggs@haven.example.org --name "Jo Bloggs" --vetting-checked-on 2026-01-12 --training-completed-on 2026-02-03'],
  async run(ctx, input, io) {
    const { createSystemAdminAsOperator } = await import('../../accounts/operator.service');
    const created = await createSystemAdminAsOperator(ctx, { ...input, identityCheckedOn: input.identityCheckedOn ?? localDate(ctx.clock()) });
    io.out(
      `Created system admin ${input.name} <${input.email}> (user ${created.userId}), verified until ${created.verificationExpiresOn}.`,
      '',
      'Hand these over in person or over a secure channel. They are shown only this once:',
      `  email              ${input.email}`,
      `  password           ${created.password}`,
      `  two-factor secret  ${created.totp.secret}`,
      `  two-factor link    ${created.totp.otpauthUri}`,
      '',
      'They add the secret (or the QR code below, or the link) to an authenticator app, then sign in',
      'with the email address, the password and the six-digit code.',
    );
    if (io.stdoutIsTerminal) io.out(await (await import('qrcode')).default.toString(created.totp.otpauthUri, { type: 'terminal', small: true }));
    else io.note('Note: output is not a terminal, so the password and two-factor secret went wherever it was sent. Delete that copy once used.');
    return EXIT.ok;
  },
});
