import { z } from 'zod';
import { email } from '../../shared/schemas';
import { defineCommand } from '../command';
import { EXIT } from '../io';
import { operatorRoots } from './operator-roots';

export const revokeAdminCertificate = defineCommand({
  name: 'revoke-admin-certificate',
  summary: "Revoke an admin's certificates with the organisation root",
  description: [
    "Signs, with the organisation root key, a revocation of every certificate of this person's signing keys, and",
    'stores it: from then on clients give those keys no weight for key-log entries logged from --from-size on',
    '(default: the size of the log now, so the confirmations they gave before stand and none after counts).',
    "Use --from-size 0 when the key may have been in someone else's hands: nothing it ever vouched for counts,",
    "and the people it confirmed need another admin's confirmation. Clients keep the revocations they have",
    'seen, so removing the row later does not undo it for them. The org root key is read from --root-key',
    '(default HAVEN_DATA_DIR/org-root.key), and must be the one in the trust roots. Audited as done at the command line.',
  ],
  positionals: [],
  options: {
    email: { type: 'string', value: '<address>', description: "the admin's email address" },
    'from-size': { type: 'string', value: '<n>', description: 'the key-log size from which their keys count for nothing (default: now; 0: everything)' },
    'root-key': { type: 'string', value: '<file>', description: 'the organisation root key file (default HAVEN_DATA_DIR/org-root.key)' },
  },
  input: z.strictObject({
    email,
    'from-size': z
      .string()
      .regex(/^\d{1,15}$/, 'expected a whole number of at least 0')
      .transform(Number)
      .optional(),
    'root-key': z.string().min(1).optional(),
  }),
  examples: [
    'revoke-admin-certificate --email priya.natarajan@childrens.northmoor.example --root-key /media/offline/org-root.key',
    'revoke-admin-certificate --email priya.natarajan@childrens.northmoor.example --from-size 0 --root-key /media/offline/org-root.key',
  ],
  async run(ctx, input, io) {
    const roots = await operatorRoots(ctx, input['root-key'], io, 'revoke-admin-certificate');
    if (!roots) return EXIT.failed;
    const { orgRoot, trustRoots } = roots;
    const { revokeAdminAsOperator } = await import('../../admin-certificates');
    const { user, revoked } = await revokeAdminAsOperator(ctx, { email: input.email, fromTreeSize: input['from-size'] ?? 'now', orgRoot, trustRoots });
    for (const { revocation } of revoked) {
      io.out(
        `Revoked the certificates of ${user.name} <${user.email}> for signing key ${revocation.signPublicKey}, for key-log entries from size ${revocation.fromTreeSize} on, at ${revocation.revokedAt}.`,
      );
    }
    return EXIT.ok;
  },
});
