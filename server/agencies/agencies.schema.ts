import { z } from 'zod';
import { isoDate } from '../shared/schemas';
import { agencyKind } from '../db/schema';

export const agencyKinds = agencyKind.enumValues;

export const createAgencyBody = z.strictObject({
  name: z.string().trim().min(2, 'Enter the agency name').max(200, 'Agency name must be 200 characters or fewer'),
  kind: z.enum(agencyKinds, { message: `Choose the kind of agency: one of ${agencyKinds.join(', ')}` }),
  contactEmail: z.email({ message: 'Enter a contact email address in the correct format' }).max(254).nullish(),
});

export const protocolBody = z.discriminatedUnion(
  'signed',
  [z.strictObject({ signed: z.literal(true), signedOn: isoDate }), z.strictObject({ signed: z.literal(false) })],
  { message: 'Say whether the agency signed the protocol (signed: true with signedOn, or signed: false)' },
);

export type AgencyView = {
  id: string;
  name: string;
  kind: (typeof agencyKinds)[number];
  contactEmail: string | null;
  protocolSigned: boolean;
  protocolSignedOn: string | null;
  /** Its people may sign in with a passkey alone (docs/sign-in.md). */
  passkeyOnlySignIn: boolean;
  createdAt: string;
};

/** PUT /api/agencies/:id/sign-in-policy */
export const signInPolicyBody = z.strictObject({ passkeyOnlySignIn: z.boolean({ message: 'Say whether passkey-only sign-in is allowed (true or false)' }) });

export interface SignInPolicyView {
  agencyId: string;
  passkeyOnlySignIn: boolean;
}
