import { z } from 'zod';
import { email } from '../../shared/schemas';
import { defineCommand } from '../command';
import { EXIT } from '../io';
import { operatorRoots } from './operator-roots';

export const certifyAdmin = defineCommand({
  name: 'certify-admin',
  summary: "Certify an admin's signing key with the organisation root",
  description: [
    "Signs an admin certificate for the admin's current signing key with the organisation root key, and stores",
    "it: clients accept an admin's attestations of people's keys only with such a certificate, checked against",
    'the organisation root their build was made with. Ask the admin to read out their key fingerprint (from',
    'their profile) in person or by phone: it is refused unless it is their current key. Only agency and',
    'system admins in good standing are certified. The org root key is read from --root-key (default',
    'HAVEN_DATA_DIR/org-root.key), and must be the one in the trust roots. Audited as done at the command line.',
  ],
  positionals: [],
  options: {
    email: { type: 'string', value: '<address>', description: "the admin's email address" },
    fingerprint: { type: 'string', value: '<hex>', description: "the admin's key fingerprint, as they read it out (64 hex digits; spaces allowed)" },
    'root-key': { type: 'string', value: '<file>', description: 'the organisation root key file (default HAVEN_DATA_DIR/org-root.key)' },
  },
  input: z.strictObject({
    email,
    fingerprint: z
      .string()
      .transform((s) => s.replace(/\s+/g, '').toLowerCase())
      .pipe(z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits')),
    'root-key': z.string().min(1).optional(),
  }),
  examples: ['certify-admin --email sam.okafor@childrens.northmoor.example --fingerprint 902b85d4…964a --root-key /media/offline/org-root.key'],
  async run(ctx, input, io) {
    const roots = await operatorRoots(ctx, input['root-key'], io, 'certify-admin');
    if (!roots) return EXIT.failed;
    const { orgRoot, trustRoots } = roots;
    const { certifyAdminAsOperator } = await import('../../admin-certificates');
    const { user, certificate } = await certifyAdminAsOperator(ctx, { email: input.email, fingerprint: input.fingerprint, orgRoot, trustRoots });
    io.out(
      `Certified ${user.name} <${user.email}> as ${certificate.role.replace('_', ' ')}${certificate.agencyId ? ` of agency ${certificate.agencyId}` : ''}, signing key ${certificate.signPublicKey}, at ${certificate.issuedAt}.`,
    );
    return EXIT.ok;
  },
});
