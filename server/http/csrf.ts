import type { RequestHandler } from 'express';
import { constantTimeEqual, randomToken } from '../../crypto';
import { ForbiddenError } from '../errors';
import { CSRF_COOKIE, requestCookie, setCookie } from './cookies';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Double-submit CSRF protection: state-changing requests must echo the `haven_csrf` cookie's
 * value in `X-CSRF-Token`. Another site can neither read the cookie nor (without CORS, which
 * Haven never grants) send the header, and SameSite=Strict keeps the session cookie off its requests too.
 */
export const requireCsrfToken: RequestHandler = (req, _res, next) => {
  if (SAFE_METHODS.has(req.method)) {
    next();
    return;
  }
  const cookie = requestCookie(req, CSRF_COOKIE);
  const header = req.get('x-csrf-token');
  if (!cookie || !header || !constantTimeEqual(cookie, header)) {
    next(new ForbiddenError('csrf_token_invalid', 'This request is missing its security token. Reload the page and try again.'));
    return;
  }
  next();
};

/** Returns the browser's CSRF token, issuing one if it has none. */
export function ensureCsrfToken(req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1], secure: boolean): string {
  const existing = requestCookie(req, CSRF_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
  const token = randomToken();
  setCookie(res, CSRF_COOKIE, token, { secure });
  return token;
}
