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

/**
 * The CSRF token of a session: derived from the session's own secret token, so it is worthless
 * with any other session and the server keeps nothing for it. Distinct from `hashToken` (its
 * label differs), so the stored session hash does not reveal it.
 */
export function sessionCsrfToken(sessionToken: string): string {
  const s = sodium();
  return s.to_base64(blake2b256(utf8(`haven/csrf/v1\u0000${sessionToken}`)), s.base64_variants.URLSAFE_NO_PADDING);
}
