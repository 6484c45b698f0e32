import type { Request, RequestHandler, Response } from 'express';
import { resolveSession } from '../accounts/sign-in.service';
import type { NewSession } from '../accounts/sign-in.service';
import type { SignedIn } from '../accounts/session-view';
import { UnauthenticatedError } from '../errors';
import type { ServiceContext } from '../shared/context';
import { SESSION_COOKIE, clearCookie, requestCookie, setCookie } from './cookies';

const SIGNED_IN = Symbol('signedIn');
type WithSession = { [SIGNED_IN]?: SignedIn | null };

/** Resolves the session cookie once per request; routes read it through `currentSession`/`requireSignedIn`. */
export function loadSession(ctx: ServiceContext): RequestHandler {
  return async (req, _res, next) => {
    const token = requestCookie(req, SESSION_COOKIE);
    (req as Request & WithSession)[SIGNED_IN] = token && /^[A-Za-z0-9_-]{43}$/.test(token) ? await resolveSession(ctx, token) : null;
    next();
  };
}

export function currentSession(req: Request): SignedIn | null {
  return (req as Request & WithSession)[SIGNED_IN] ?? null;
}

/** The signed-in user, fully through two-factor sign-in unless a partial stage is named. */
export function requireSignedIn(req: Request, stage: SignedIn['stage'] = 'active'): SignedIn {
  const signedIn = currentSession(req);
  if (!signedIn) throw new UnauthenticatedError();
  if (signedIn.stage !== stage) {
    throw stage === 'active'
      ? new UnauthenticatedError('second_factor_required', 'Finish signing in with your two-factor code first.')
      : new UnauthenticatedError('wrong_stage', 'This step of signing in does not apply to your session.');
  }
  return signedIn;
}

export function issueSessionCookie(res: Response, session: NewSession, secure: boolean, hours: number): void {
  setCookie(res, SESSION_COOKIE, session.token, { secure, maxAgeSeconds: hours * 3600 });
}

export function clearSessionCookie(res: Response, secure: boolean): void {
  clearCookie(res, SESSION_COOKIE, secure);
}

export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
