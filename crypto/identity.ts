import { sodium } from './sodium';
import { blake2b256 } from './hash';
import { concatBytes, fromBase64Url, toBase64Url, toHex, utf8 } from './bytes';
import { MalformedInputError } from './errors';
import { isBoxPublicKey, isSigningPublicKey } from './key-possession';

/** A user's long-term keys: Ed25519 to sign, X25519 to receive sealed keys. Private halves never leave the browser unencrypted. */
export interface IdentityKeys {
  signPublicKey: Uint8Array;
  signPrivateKey: Uint8Array;
  boxPublicKey: Uint8Array;
  boxPrivateKey: Uint8Array;
}

/** The public half as it travels and is stored: base64url strings. */
export interface PublicIdentity {
  signPublicKey: string;
  boxPublicKey: string;
}

export function generateIdentity(): IdentityKeys {
  const s = sodium();
  const sign = s.crypto_sign_keypair();
  const box = s.crypto_box_keypair();
  return { signPublicKey: sign.publicKey, signPrivateKey: sign.privateKey, boxPublicKey: box.publicKey, boxPrivateKey: box.privateKey };
}

export function publicIdentity(keys: IdentityKeys): PublicIdentity {
  return { signPublicKey: toBase64Url(keys.signPublicKey), boxPublicKey: toBase64Url(keys.boxPublicKey) };
}

/** Decodes and length-checks a public identity received from elsewhere. */
export function decodePublicIdentity(identity: PublicIdentity): { signPublicKey: Uint8Array; boxPublicKey: Uint8Array } {
  const s = sodium();
  const signPublicKey = fromBase64Url(identity.signPublicKey, 'signing key');
  const boxPublicKey = fromBase64Url(identity.boxPublicKey, 'encryption key');
  if (signPublicKey.length !== s.crypto_sign_PUBLICKEYBYTES) throw new MalformedInputError('signing key has the wrong length');
  if (boxPublicKey.length !== s.crypto_box_PUBLICKEYBYTES) throw new MalformedInputError('encryption key has the wrong length');
  if (!isSigningPublicKey(signPublicKey)) throw new MalformedInputError('signing key is not a valid Ed25519 public key');
  if (!isBoxPublicKey(boxPublicKey)) throw new MalformedInputError('encryption key is not a valid X25519 public key');
  return { signPublicKey, boxPublicKey };
}

/** BLAKE2b-256("haven/key-fingerprint/v1" ‖ 0x00 ‖ sign public key ‖ box public key), hex. */
export function keyFingerprint(identity: PublicIdentity): string {
  const { signPublicKey, boxPublicKey } = decodePublicIdentity(identity);
  return toHex(blake2b256(concatBytes(utf8('haven/key-fingerprint/v1\u0000'), signPublicKey, boxPublicKey)));
}

/** 32 random bytes, e.g. the seed of a server's long-term signing key. */
export function randomSeed(): Uint8Array {
  return sodium().randombytes_buf(32);
}

/** The Ed25519 key pair derived from a 32-byte seed (so a server can keep just the seed). */
export function signingKeyPairFromSeed(seed: Uint8Array): { publicKey: Uint8Array; privateKey: Uint8Array } {
  if (seed.length !== 32) throw new MalformedInputError('a signing seed must be 32 bytes');
  const pair = sodium().crypto_sign_seed_keypair(seed);
  return { publicKey: pair.publicKey, privateKey: pair.privateKey };
}
