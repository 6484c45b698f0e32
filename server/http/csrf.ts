import type { Request, RequestHandler, Response } from 'express';
import { constantTimeEqual, randomToken, sessionCsrfToken } from '../../crypto';
import { ForbiddenError } from '../errors';
import { CSRF_COOKIE, SESSION_COOKIE, requestCookie, setCookie } from './cookies';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The token a state-changing request must carry in `X-CSRF-Token`. With a session, it is derived
 * from the session's own secret (`sessionCsrfToken`), so a token is worthless with any other
 * session, and a cookie planted from a sibling subdomain cannot supply a matching pair. Before
 * sign-in (signing in, registering, accepting an invitation) it is the double-submit cookie
 * `haven_csrf`. Another site can neither read either token nor (without CORS, which Haven never
 * grants) send the header, and SameSite=Strict keeps the cookies off its requests too.
 */
function expectedToken(req: Request): string | undefined {
  const session = requestCookie(req, SESSION_COOKIE);
  if (session && TOKEN.test(session)) return sessionCsrfToken(session);
  return requestCookie(req, CSRF_COOKIE);
}

export const requireCsrfToken: RequestHandler = (req, _res, next) => {
  if (SAFE_METHODS.has(req.method)) {
    next();
    return;
  }
  const expected = expectedToken(req);
  const header = req.get('x-csrf-token');
  if (!expected || !header || !constantTimeEqual(expected, header)) {
    next(new ForbiddenError('csrf_token_invalid', 'This request is missing its security token. Reload the page and try again.'));
    return;
  }
  next();
};

/** Returns the token this browser must send: its session's, or (signed out) a double-submit token, issued if it has none. */
export function ensureCsrfToken(req: Request, res: Response, secure: boolean): string {
  const session = requestCookie(req, SESSION_COOKIE);
  if (session && TOKEN.test(session)) return sessionCsrfToken(session);
  const existing = requestCookie(req, CSRF_COOKIE);
  if (existing && TOKEN.test(existing)) return existing;
  const token = randomToken();
  setCookie(res, CSRF_COOKIE, token, { secure });
  return token;
}
