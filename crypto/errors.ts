/** Base class for every error crypto/ throws, so callers can map them without string matching. */
export class CryptoError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A value could not be put into canonical form (e.g. a non-finite number or an unsupported type). */
export class CanonicalisationError extends CryptoError {
  constructor(message: string) {
    super('canonicalisation_failed', message);
  }
}

/** A ciphertext could not be opened: wrong key, not addressed to us, or tampered with. */
export class DecryptError extends CryptoError {
  constructor(message = 'This content could not be decrypted: it was not addressed to this key, or it was altered.') {
    super('decrypt_failed', message);
  }
}

/** An encoded value (key, nonce, base64) has the wrong form or length. */
export class MalformedInputError extends CryptoError {
  constructor(message: string) {
    super('malformed_input', message);
  }
}
