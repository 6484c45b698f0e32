import { CryptoError } from './errors';

/** The sender's signature does not cover this envelope: a different signer, or something was altered. */
export class SignatureError extends CryptoError {
  constructor(message = 'The signature does not match: this was not signed with this key, or it was altered.') {
    super('signature_invalid', message);
  }
}

/**
 * An envelope or envelope header does not have the v1 shape. `field` names the first bad field
 * as a path (`header.recipients[1].userId`, `wrappedKeys[0].wrappedKey`, `nonce`). The message
 * never repeats the value, which may be personal data.
 */
export class MalformedEnvelopeError extends CryptoError {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super('malformed_envelope', `${field} ${problem}`);
  }
}
