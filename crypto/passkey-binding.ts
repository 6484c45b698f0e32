import { sodium } from './sodium';
import { constantTimeEqual, toBase64Url, utf8 } from './bytes';
import { canonicalJson } from './canonical-json';
import { MalformedInputError } from './errors';

/** What a stored passkey is bound to: whose it is, which credential, and the key that checks its signatures. */
export interface PasskeyFacts {
  userId: string;
  credentialId: string;
  publicKey: string;
}

const LABEL = 'haven/passkey-binding/v1';

/**
 * A keyed BLAKE2b-256 over the passkey's owner, credential id and public key (canonical JSON,
 * after a domain label), base64url. The key comes from the installation's seed, which the
 * database never holds, so whoever can only write rows cannot add a passkey to someone's account
 * or move one to another account: sign-in recomputes this and refuses a row that does not match.
 */
export function passkeyBinding(key: Uint8Array, facts: PasskeyFacts): string {
  if (key.length !== 32) throw new MalformedInputError('a passkey binding key must be 32 bytes');
  const message = utf8(`${LABEL}\u0000${canonicalJson({ userId: facts.userId, credentialId: facts.credentialId, publicKey: facts.publicKey })}`);
  return toBase64Url(sodium().crypto_generichash(32, message, key));
}

/** Whether `binding` is the one `passkeyBinding` makes for these facts (compared in constant time). */
export function passkeyBindingHolds(key: Uint8Array, facts: PasskeyFacts, binding: string): boolean {
  return constantTimeEqual(passkeyBinding(key, facts), binding);
}
