import { z } from 'zod';
import { currentPassword } from './accounts.schema';

const b64url = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, { message: 'expected base64url' });
const transports = z.array(z.enum(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'])).max(8);

/** What navigator.credentials.create() gave, as @simplewebauthn/browser encodes it. */
export const registrationResponse = z.object({
  id: b64url(1366),
  rawId: b64url(1366),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: b64url(8192),
    attestationObject: b64url(65536),
    transports: transports.optional(),
    authenticatorData: b64url(65536).optional(),
    publicKey: b64url(8192).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()),
});

/** What navigator.credentials.get() gave. */
export const authenticationResponse = z.object({
  id: b64url(1366),
  rawId: b64url(1366),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: b64url(8192),
    authenticatorData: b64url(65536),
    signature: b64url(8192),
    userHandle: b64url(1024).optional(),
  }),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.record(z.string(), z.unknown()),
});

/** POST /api/me/passkeys/options: the person's password again, so a session left open cannot add a way in. */
export const passkeyOptionsBody = z.strictObject({ password: currentPassword });

export const passkeyName = z
  .string()
  .trim()
  .min(1, { message: 'Give the passkey a name, such as "Work laptop"' })
  .max(60, { message: 'Use 60 characters or fewer' });

/** POST /api/me/passkeys */
export const registerPasskeyBody = z.strictObject({ name: passkeyName, response: registrationResponse });

/** POST /api/auth/passkey and /api/auth/passkey-sign-in */
export const passkeyAssertionBody = z.strictObject({ response: authenticationResponse });

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  /** Synced to the person's other devices by their password manager or platform. */
  backedUp: boolean;
}
