import { sodium } from './sodium';
import { canonicalJson } from './canonical-json';
import { fromBase64Url, toBase64Url, utf8 } from './bytes';
import { DecryptError, MalformedInputError } from './errors';
import type { IdentityKeys } from './identity';
import { packIdentityKeys, unpackIdentityKeys } from './key-backup';

/**
 * Recovery key v1 (docs/key-backup.md, "The printable recovery key"): a second wrapping of the
 * same private keys as the passphrase backup, under 256 random bits the person prints or writes
 * down once, so a forgotten passphrase is not the end of their history. The key is random, so no
 * slow KDF is needed: keyed BLAKE2b derives the wrapping key, XChaCha20-Poly1305 seals the keys
 * with the user id bound in as additional data. The server stores the wrapping and cannot open it.
 *
 * Printed form: the 32 key bytes and 3 check bytes (BLAKE2b of a label and the key) in Crockford
 * base32, 56 characters in 14 groups of 4. Reading it back forgives case, spaces, dashes and the
 * letters O, I and L typed for 0 and 1; a typo is caught by the check bytes before any decryption.
 */
export interface RecoveryKeyWrap {
  v: 1;
  nonce: string;
  ciphertext: string;
}

const LABEL = 'haven/recovery-key/v1';
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const KEY_BYTES = 32;
const CHECK_BYTES = 3;

function checkBytes(key: Uint8Array): Uint8Array {
  return sodium().crypto_generichash(CHECK_BYTES, utf8(`${LABEL}/check`), key);
}

function toBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

function fromBase32(text: string): Uint8Array {
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) throw new MalformedInputError(`a recovery key has only the letters and digits printed on it; "${char}" is not one of them`);
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >> (bits - 8)) & 255);
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  return Uint8Array.from(out);
}

/** Prints a recovery key: 14 groups of 4 characters. */
export function formatRecoveryKey(key: Uint8Array): string {
  if (key.length !== KEY_BYTES) throw new MalformedInputError('a recovery key is 32 bytes');
  const text = toBase32(Uint8Array.from([...key, ...checkBytes(key)]));
  return (text.match(/.{4}/g) ?? []).join('-');
}

/** A new recovery key, printed: shown to the person once, never stored or sent anywhere. */
export function newRecoveryKey(): string {
  return formatRecoveryKey(sodium().randombytes_buf(KEY_BYTES));
}

/** Reads a recovery key as the person typed it back; MalformedInputError for a wrong length or a typo. */
export function parseRecoveryKey(typed: string): Uint8Array {
  const text = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (text.length !== 56) throw new MalformedInputError(`a recovery key has 56 letters and digits; this has ${text.length}`);
  const bytes = fromBase32(text);
  const key = bytes.slice(0, KEY_BYTES);
  const check = bytes.slice(KEY_BYTES, KEY_BYTES + CHECK_BYTES);
  if (!sodium().memcmp(check, checkBytes(key))) throw new MalformedInputError('this recovery key has a typo in it: check each group against the printed copy');
  return key;
}

function wrappingKey(key: Uint8Array): Uint8Array {
  return sodium().crypto_generichash(32, utf8(`${LABEL}/wrap`), key);
}

function additionalData(userId: string): Uint8Array {
  return utf8(`${LABEL}\u0000${canonicalJson({ userId })}`);
}

/** Wraps the person's private keys under their recovery key (printed form). */
export function wrapKeysWithRecoveryKey(keys: IdentityKeys, userId: string, recoveryKey: string): RecoveryKeyWrap {
  const s = sodium();
  const key = wrappingKey(parseRecoveryKey(recoveryKey));
  const nonce = s.randombytes_buf(s.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  const plain = packIdentityKeys(keys);
  const ciphertext = s.crypto_aead_xchacha20poly1305_ietf_encrypt(plain, additionalData(userId), null, nonce, key);
  s.memzero(key);
  s.memzero(plain);
  return { v: 1, nonce: toBase64Url(nonce), ciphertext: toBase64Url(ciphertext) };
}

/** Opens the wrapping with the recovery key; DecryptError for another key (or another user's, or an altered wrapping). */
export function restoreKeysWithRecoveryKey(wrap: RecoveryKeyWrap, userId: string, recoveryKey: string): IdentityKeys {
  const s = sodium();
  if (wrap.v !== 1) throw new MalformedInputError('unknown recovery key format');
  const key = wrappingKey(parseRecoveryKey(recoveryKey));
  let plain: Uint8Array;
  try {
    plain = s.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      fromBase64Url(wrap.ciphertext, 'ciphertext'),
      additionalData(userId),
      fromBase64Url(wrap.nonce, 'nonce'),
      key,
    );
  } catch (error) {
    if (error instanceof MalformedInputError) throw error;
    throw new DecryptError('This is not the recovery key of this backup, or the backup was altered.');
  } finally {
    s.memzero(key);
  }
  return unpackIdentityKeys(plain);
}
