import { sodium } from './sodium';

/**
 * Argon2id password hashing (libsodium `crypto_pwhash_str`, interactive limits: 64 MiB, 2 passes).
 * The result is a self-describing PHC string, so limits can be raised later without a migration:
 * `passwordNeedsRehash` tells the caller when a stored hash is below the current limits.
 */
export function hashPassword(password: string): string {
  const s = sodium();
  return s.crypto_pwhash_str(password, s.crypto_pwhash_OPSLIMIT_INTERACTIVE, s.crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

/** Constant-time check of a password against a stored hash; false (never a throw) for a malformed hash. */
export function verifyPassword(storedHash: string, password: string): boolean {
  if (!storedHash.startsWith('$argon2id$')) return false;
  try {
    return sodium().crypto_pwhash_str_verify(storedHash, password);
  } catch {
    return false;
  }
}

export function passwordNeedsRehash(storedHash: string): boolean {
  const s = sodium();
  return s.crypto_pwhash_str_needs_rehash(storedHash, s.crypto_pwhash_OPSLIMIT_INTERACTIVE, s.crypto_pwhash_MEMLIMIT_INTERACTIVE);
}
