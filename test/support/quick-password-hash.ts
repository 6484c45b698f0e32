import { sodium } from '../../crypto/sodium';

/**
 * Argon2id at libsodium's minimum limits (one pass, 8 MiB), for the demo accounts of test
 * installations only: the seed of every test file and each of their sign-ins would otherwise
 * spend a tenth of the suite's CPU in Argon2id at Haven's limits (64 MiB, two passes). It is a
 * real Argon2id hash: verifying it reads its limits from the string, as for any stored hash.
 * The limits themselves are tested where they are the subject (test/unit/password.test.ts,
 * test/unit/attempt-rules.test.ts, accounts made by registration, invites and resets here).
 */
export function quickTestPasswordHash(password: string): string {
  const s = sodium();
  return s.crypto_pwhash_str(password, s.crypto_pwhash_OPSLIMIT_MIN, 8 * 1024 * 1024);
}
