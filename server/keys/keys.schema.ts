import { z } from 'zod';
import { isEncodedPublicKey } from '../../crypto';
import { uuidParam } from '../shared/schemas';

const key32 = (label: string) => z.string().regex(/^[A-Za-z0-9_-]{43}$/, `The ${label} must be 32 bytes in base64url`);
/** 32 bytes that are a usable public key of this kind (not merely the right length: a point on the curve, not of small order). */
const publicKey = (kind: 'sign' | 'box', label: string) =>
  key32(label).refine((value) => isEncodedPublicKey(value, kind), `The ${label} is not a valid public key`);

export const publishKeysBody = z.strictObject({
  signPublicKey: publicKey('sign', 'signing key'),
  boxPublicKey: publicKey('box', 'encryption key'),
  /** proveKeyPossession({ userId, signPublicKey, boxPublicKey }) by the new signing key (docs/key-log.md). */
  proof: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'The proof must be a 64-byte signature in base64url'),
  /** Replacing keys (e.g. a lost device) is deliberate: correspondents are warned of the change. */
  replace: z.boolean().optional(),
});

export const attestationBody = z.strictObject({
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/, 'The fingerprint must be 64 lowercase hex characters'),
  attestation: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'The attestation must be a 64-byte signature in base64url'),
});

export const consistencyQuery = z.strictObject({
  from: z.coerce.number().int().min(0, 'from must be 0 or more'),
  to: z.coerce.number().int().min(0, 'to must be 0 or more').optional(),
});

export const proofQuery = z.strictObject({ userId: uuidParam });

export const keysQuery = z.strictObject({
  userIds: z
    .string()
    .transform((v) => v.split(',').filter(Boolean))
    .pipe(z.array(uuidParam).min(1, 'Ask for at least one user').max(50, 'Ask for at most 50 users at a time')),
});

/**
 * A sealed note as the server sees it: shape only; it cannot read it (docs/sealed-note.md). New
 * notes must be v2, signed by their author; v1 notes stored before signatures stay readable, but
 * none is accepted any more, so the server cannot pass off an unsigned note as new.
 */
export const sealedNote = z.strictObject({
  v: z.literal(2, { message: 'This summary was sealed by an older version of Haven, without your signature: reload the page and record it again' }),
  nonce: z.string().regex(/^[A-Za-z0-9_-]{32}$/, 'The note nonce must be 24 bytes in base64url'),
  ciphertext: z.string().regex(/^[A-Za-z0-9_-]{22,44000}$/, 'The note ciphertext is missing or too long'),
  keys: z
    .array(z.strictObject({ userId: uuidParam, wrappedKey: z.string().regex(/^[A-Za-z0-9_-]{107}$/, 'A wrapped key must be 80 bytes in base64url') }))
    .min(1)
    .max(21),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'The note signature must be 64 bytes in base64url'),
});

/** A key backup as the server sees it: shape only; it cannot open it (docs/key-backup.md). */
export const keyBackupBody = z.strictObject({
  v: z.literal(1, { message: 'Unknown key backup format' }),
  kdf: z.strictObject({
    alg: z.literal('argon2id13'),
    opslimit: z.number().int().min(2).max(10),
    memlimit: z
      .number()
      .int()
      .min(64 * 1024 * 1024)
      .max(1024 * 1024 * 1024),
    salt: z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'The salt must be 16 bytes in base64url'),
  }),
  nonce: z.string().regex(/^[A-Za-z0-9_-]{32}$/, 'The nonce must be 24 bytes in base64url'),
  ciphertext: z.string().regex(/^[A-Za-z0-9_-]{235}$/, 'The ciphertext must hold exactly one set of keys'),
  /** The same keys wrapped under the person's printable recovery key (crypto/recovery-key.ts), when they made one. */
  recoveryKey: z
    .strictObject({
      v: z.literal(1, { message: 'Unknown recovery key format' }),
      nonce: z.string().regex(/^[A-Za-z0-9_-]{32}$/, 'The recovery key nonce must be 24 bytes in base64url'),
      ciphertext: z.string().regex(/^[A-Za-z0-9_-]{235}$/, 'The recovery key ciphertext must hold exactly one set of keys'),
    })
    .optional(),
});
