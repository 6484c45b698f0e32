/**
 * Typed domain errors. Services throw these; server/http/error-handler.ts and
 * server/realtime map them once to HTTP statuses and ack codes. Messages are written for
 * the person using Haven and never carry personal data, secrets or stack traces.
 */
export class DomainError extends Error {
  /** Extra, non-sensitive fields for the client (e.g. the possible duplicates it may open instead). */
  extra: Record<string, unknown> | undefined;

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export interface FieldIssue {
  path: string;
  message: string;
}

export class ValidationError extends DomainError {
  constructor(
    message: string,
    readonly issues: FieldIssue[] = [],
    code = 'invalid_request',
  ) {
    super(code, message);
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(code = 'not_signed_in', message = 'Sign in to continue.') {
    super(code, message);
  }
}

export class ForbiddenError extends DomainError {}

export class NotFoundError extends DomainError {}

export class ConflictError extends DomainError {}

/** The thing existed but can no longer be used (an expired or used invite). */
export class GoneError extends DomainError {}

/** More than Haven accepts: a file over the size limit, or an upload past the user's storage quota. */
export class TooLargeError extends DomainError {}

export class TooManyRequestsError extends DomainError {
  constructor(
    code: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(code, message);
  }
}

/** A dependency (database, Redis) did not answer: the request may be retried. */
export class UnavailableError extends DomainError {}

/**
 * Haven itself is at capacity (e.g. every password-hashing worker busy and the queue full):
 * nothing was done, and the request can be retried after `retryAfterSeconds`.
 */
export class BusyError extends UnavailableError {
  constructor(
    code: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(code, message);
  }
}
