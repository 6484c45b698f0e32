import { sodium } from './sodium';
import { toHex, utf8 } from './bytes';

/** BLAKE2b with a 256-bit output. */
export function blake2b256(message: Uint8Array): Uint8Array {
  return sodium().crypto_generichash(32, message, null);
}

/**
 * What the server stores in place of a bearer secret (session or invite token), so that a
 * database leak does not hand out live sessions.
 */
export function hashToken(token: string): string {
  return toHex(blake2b256(utf8(`haven/token/v1\u0000${token}`)));
}
