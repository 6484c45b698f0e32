import { sodium } from './sodium';
import { canonicalJson } from './canonical-json';
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from './bytes';
import { DecryptError, MalformedInputError } from './errors';
import type { IdentityKeys } from './identity';
import type { RecoveryKeyWrap } from './recovery-key';

/**
 * Key backup v1: a user's private keys encrypted under a key derived from their recovery
 * passphrase with Argon2id (libsodium crypto_pwhash), then XChaCha20-Poly1305. The server
 * stores it and cannot open it. Parameters travel with the backup so they can be raised later.
 * Format: docs/key-backup.md.
 */
export interface KeyBackup {
  v: 1;
  kdf: { alg: 'argon2id13'; opslimit: number; memlimit: number; salt: string };
  nonce: string;
  ciphertext: string;
  /** The same keys wrapped under the person's printable recovery key, when they made one (recovery-key.ts). */
  recoveryKey?: RecoveryKeyWrap;
}

/** 3 passes over 128 MiB: about half a second in the browser, far slower for someone guessing. */
export const KEY_BACKUP_KDF = { opslimit: 3, memlimit: 128 * 1024 * 1024 } as const;
const MIN_PASSPHRASE_LENGTH = 12;

function header(kdf: KeyBackup['kdf'], userId: string): Uint8Array {
  return utf8(`haven/key-backup/v1\u0000${canonicalJson({ userId, kdf })}`);
}

function deriveKey(passphrase: string, kdf: KeyBackup['kdf']): Uint8Array {
  const s = sodium();
  return s.crypto_pwhash(32, utf8(passphrase.normalize('NFKC')), fromBase64Url(kdf.salt, 'salt'), kdf.opslimit, kdf.memlimit, s.crypto_pwhash_ALG_ARGON2ID13);
}

export function backupKeys(keys: IdentityKeys, userId: string, passphrase: string): KeyBackup {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) throw new MalformedInputError(`a recovery passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters`);
  const s = sodium();
  const kdf = { alg: 'argon2id13' as const, ...KEY_BACKUP_KDF, salt: toBase64Url(s.randombytes_buf(s.crypto_pwhash_SALTBYTES)) };
  const key = deriveKey(passphrase, kdf);
  const nonce = s.randombytes_buf(s.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  const plain = packIdentityKeys(keys);
  const ciphertext = s.crypto_aead_xchacha20poly1305_ietf_encrypt(plain, header(kdf, userId), null, nonce, key);
  s.memzero(key);
  s.memzero(plain);
  return { v: 1, kdf, nonce: toBase64Url(nonce), ciphertext: toBase64Url(ciphertext) };
}

/** Opens a backup with the passphrase; DecryptError for a wrong passphrase or an altered backup. */
export function restoreKeys(backup: KeyBackup, userId: string, passphrase: string): IdentityKeys {
  const s = sodium();
  if (backup.v !== 1 || backup.kdf.alg !== 'argon2id13') throw new MalformedInputError('unknown key backup format');
  // Refuse parameters a tampered backup could use to make restoring hang or become trivially cheap.
  if (backup.kdf.opslimit < 2 || backup.kdf.opslimit > 10 || backup.kdf.memlimit < 64 * 1024 * 1024 || backup.kdf.memlimit > 1024 * 1024 * 1024) {
    throw new MalformedInputError('key backup parameters are out of range');
  }
  const key = deriveKey(passphrase, backup.kdf);
  let plain: Uint8Array;
  try {
    plain = s.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      fromBase64Url(backup.ciphertext, 'ciphertext'),
      header(backup.kdf, userId),
      fromBase64Url(backup.nonce, 'nonce'),
      key,
    );
  } catch (error) {
    if (error instanceof MalformedInputError) throw error;
    throw new DecryptError('The recovery passphrase is not right, or the backup was altered.');
  } finally {
    s.memzero(key);
  }
  return unpackIdentityKeys(plain);
}

/** The four keys, one after another: what every key backup wrapping encrypts. */
export function packIdentityKeys(keys: IdentityKeys): Uint8Array {
  return concatBytes(keys.signPublicKey, keys.signPrivateKey, keys.boxPublicKey, keys.boxPrivateKey);
}

export function unpackIdentityKeys(plain: Uint8Array): IdentityKeys {
  const s = sodium();
  const sizes = [s.crypto_sign_PUBLICKEYBYTES, s.crypto_sign_SECRETKEYBYTES, s.crypto_box_PUBLICKEYBYTES, s.crypto_box_SECRETKEYBYTES];
  if (plain.length !== sizes.reduce((a, b) => a + b, 0)) throw new DecryptError('The backup does not hold a complete set of keys.');
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const size of sizes) {
    parts.push(plain.slice(offset, offset + size));
    offset += size;
  }
  const [signPublicKey, signPrivateKey, boxPublicKey, boxPrivateKey] = parts as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  return { signPublicKey, signPrivateKey, boxPublicKey, boxPrivateKey };
}
