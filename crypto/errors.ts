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
