import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import {
  BusyError,
  ConflictError,
  DomainError,
  ForbiddenError,
  GoneError,
  TooLargeError,
  NotFoundError,
  TooManyRequestsError,
  UnauthenticatedError,
  UnavailableError,
  ValidationError,
} from '../errors';
import { requestId } from './request-log';
import { isDatabaseUnavailable } from '../db/unavailable';

/** The one place domain errors become HTTP statuses. */
export function statusOf(error: DomainError): number {
  if (error instanceof ValidationError) return 400;
  if (error instanceof UnauthenticatedError) return 401;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof GoneError) return 410;
  if (error instanceof TooLargeError) return 413;
  if (error instanceof TooManyRequestsError) return error.code === 'account_locked' ? 423 : 429;
  // BusyError is an UnavailableError: 503, with Retry-After.
  if (error instanceof UnavailableError) return 503;
  return 400;
}

export function errorBody(error: DomainError): { error: Record<string, unknown> } {
  const body: Record<string, unknown> = { ...error.extra, code: error.code, message: error.message };
  if (error instanceof ValidationError && error.issues.length) body.issues = error.issues;
  if (error instanceof TooManyRequestsError || error instanceof BusyError) body.retryAfterSeconds = error.retryAfterSeconds;
  return { error: body };
}

/** Errors raised by express's body parser and similar middleware carry a status and a type. */
function isClientHttpError(error: unknown): error is { status: number; type?: string } {
  if (typeof error !== 'object' || error === null || !('status' in error)) return false;
  const status: unknown = error.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (error instanceof DomainError) {
      if (error instanceof TooManyRequestsError || error instanceof BusyError) res.setHeader('Retry-After', String(error.retryAfterSeconds));
      res.status(statusOf(error)).json(errorBody(error));
      return;
    }
    if (isClientHttpError(error)) {
      const code = error.type === 'entity.parse.failed' ? 'malformed_json' : error.type === 'entity.too.large' ? 'body_too_large' : 'bad_request';
      const message =
        code === 'malformed_json'
          ? 'The request body is not valid JSON.'
          : code === 'body_too_large'
            ? 'The request body is too large.'
            : 'The request could not be read.';
      res.status(error.status).json({ error: { code, message } });
      return;
    }
    if (isDatabaseUnavailable(error)) {
      logger.warn({ reqId: requestId(req) }, 'database unavailable');
      res
        .status(503)
        .json({ error: { code: 'database_unavailable', message: 'Haven cannot reach its database just now. Nothing was saved; try again in a moment.' } });
      return;
    }
    // Unexpected: log the details for operators (no request body: it may hold personal data), tell the client nothing more.
    logger.error({ err: error, reqId: requestId(req), method: req.method }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal_error', message: 'Something went wrong on our side. Nothing was changed; try again.' } });
  };
}

export const notFoundApi: RequestHandler = (_req, res) => {
  res.status(404).json({ error: { code: 'route_not_found', message: 'There is no such API route.' } });
};
