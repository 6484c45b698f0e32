import { sodium } from './sodium';
import { canonicalJson } from './canonical-json';
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from './bytes';
import { MalformedInputError } from './errors';

/**
 * Proof of possession v1: before the directory accepts a user's public keys, their browser signs
 * "haven/key-possession/v1" ‖ 0x00 ‖ JCS({ userId, signPublicKey, boxPublicKey }) with the new
 * signing key. Only the holder of the private half can publish it, and the signature names both
 * the user and the encryption key, so neither can be lifted from someone else's directory entry
 * and published as one's own. Format: docs/key-log.md ("Publishing keys").
 */
export const KEY_POSSESSION_LABEL = 'haven/key-possession/v1';

export interface KeyPublication {
  userId: string;
  /** base64url, no padding. */
  signPublicKey: string;
  boxPublicKey: string;
}

/** True for a canonical Ed25519 point of the main subgroup (not small order): a key that can verify signatures. */
export function isSigningPublicKey(bytes: Uint8Array): boolean {
  const s = sodium();
  return bytes.length === s.crypto_sign_PUBLICKEYBYTES && s.crypto_core_ed25519_is_valid_point(bytes);
}

// Any clamped scalar: multiplying a low-order point by it gives the all-zero output libsodium refuses.
const PROBE_SCALAR = new Uint8Array(32).fill(0x5a);

/** True for an X25519 public key that is not of low order (sealing to one would give an all-zero shared secret). */
export function isBoxPublicKey(bytes: Uint8Array): boolean {
  const s = sodium();
  if (bytes.length !== s.crypto_box_PUBLICKEYBYTES || (bytes[31] ?? 0) & 0x80) return false;
  try {
    s.crypto_scalarmult(PROBE_SCALAR, bytes);
    return true;
  } catch {
    return false;
  }
}

/** A base64url string holding a valid key of this kind: never throws. */
export function isEncodedPublicKey(text: string, kind: 'sign' | 'box'): boolean {
  try {
    const bytes = fromBase64Url(text);
    return kind === 'sign' ? isSigningPublicKey(bytes) : isBoxPublicKey(bytes);
  } catch {
    return false;
  }
}

/** The bytes the new signing key signs. Throws MalformedInputError for an invalid publication. */
export function keyPossessionMessage(publication: KeyPublication): Uint8Array {
  if (typeof publication.userId !== 'string' || publication.userId.length === 0) throw new MalformedInputError('userId must be a user id');
  if (!isEncodedPublicKey(publication.signPublicKey, 'sign')) throw new MalformedInputError('signing key is not a valid Ed25519 public key');
  if (!isEncodedPublicKey(publication.boxPublicKey, 'box')) throw new MalformedInputError('encryption key is not a valid X25519 public key');
  const body = { userId: publication.userId, signPublicKey: publication.signPublicKey, boxPublicKey: publication.boxPublicKey };
  return concatBytes(utf8(`${KEY_POSSESSION_LABEL}\u0000`), utf8(canonicalJson(body)));
}

/** The proof, base64url: an Ed25519 signature by the private half of `publication.signPublicKey`. */
export function proveKeyPossession(publication: KeyPublication, signPrivateKey: Uint8Array): string {
  const s = sodium();
  if (signPrivateKey.length !== s.crypto_sign_SECRETKEYBYTES) throw new MalformedInputError('signing key has the wrong length');
  return toBase64Url(s.crypto_sign_detached(keyPossessionMessage(publication), signPrivateKey));
}

/** True when `proof` is the publication's own signing key's signature over it; false (never a throw) otherwise. */
export function verifyKeyPossession(publication: KeyPublication, proof: string): boolean {
  try {
    const s = sodium();
    const signature = fromBase64Url(proof, 'proof');
    if (signature.length !== s.crypto_sign_BYTES) return false;
    return s.crypto_sign_verify_detached(signature, keyPossessionMessage(publication), fromBase64Url(publication.signPublicKey));
  } catch {
    return false;
  }
}
