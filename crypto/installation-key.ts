import { sodium } from './sodium';
import { concatBytes, utf8 } from './bytes';
import { MalformedInputError } from './errors';

/** Domain label of keys derived from an installation seed. */
export const INSTALLATION_KEY_LABEL = 'haven/installation-key/v1';

/**
 * A 32-byte key for one purpose, derived from the installation's 32-byte seed:
 * BLAKE2b-256 keyed with the seed over "haven/installation-key/v1" ‖ 0x00 ‖ purpose.
 * Different purposes get unrelated keys, so one secret kept outside the database serves them all
 * and no key is ever used for two jobs.
 */
export function deriveInstallationKey(seed: Uint8Array, purpose: string): Uint8Array {
  if (seed.length !== 32) throw new MalformedInputError('an installation seed must be 32 bytes');
  if (!/^[a-z0-9-]{1,64}$/.test(purpose)) throw new MalformedInputError('a key purpose is 1 to 64 lower-case letters, digits or -');
  return sodium().crypto_generichash(32, concatBytes(utf8(`${INSTALLATION_KEY_LABEL}\u0000`), utf8(purpose)), seed);
}
