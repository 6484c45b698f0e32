import type { RequestHandler } from 'express';
import { canReach, requireAllowed, type Reach } from '../policy';
import { currentSession } from './session';

/**
 * What each API route is, for the standing check: a route not listed here is part of the
 * service, the most guarded reach, so a new route is closed to suspended and unverified users
 * until someone decides otherwise. Routes that need no session (signing in, registering, the
 * API reference) are not checked at all. Paths are relative to /api.
 */
const REACH_OF_ROUTE: { method: string; path: RegExp; reach: Reach | 'public' }[] = [
  { method: 'GET', path: /^\/session$/, reach: 'sign_out' },
  { method: 'POST', path: /^\/auth\/sign-out(-everywhere)?$/, reach: 'sign_out' },
  { method: 'POST', path: /^\/auth\/(sign-in|mfa|register|enrolment\/start|enrolment\/confirm)$/, reach: 'public' },
  { method: 'POST', path: /^\/auth\/(passkey|passkey-sign-in)(\/options)?$/, reach: 'public' },
  { method: 'GET', path: /^\/me\/passkeys$/, reach: 'own_account' },
  { method: 'POST', path: /^\/me\/passkeys(\/options)?$/, reach: 'own_account' },
  { method: 'DELETE', path: /^\/me\/passkeys\/[^/]+$/, reach: 'own_account' },
  // A recovery of one's own sign-in that one did not ask for is cancelled whatever one's verification.
  { method: 'GET', path: /^\/me\/mfa-recovery$/, reach: 'own_account' },
  { method: 'POST', path: /^\/me\/mfa-recovery\/cancel$/, reach: 'own_account' },
  { method: 'GET', path: /^\/auth\/invites\/[^/]+$/, reach: 'public' },
  { method: 'POST', path: /^\/auth\/invites\/[^/]+\/accept$/, reach: 'public' },
  { method: 'GET', path: /^\/agencies\/directory$/, reach: 'public' },
  { method: 'GET', path: /^\/(openapi\.json|docs(\/.*)?)$/, reach: 'public' },
  { method: 'GET', path: /^\/keys\/(me|backup)$/, reach: 'own_account' },
  { method: 'PUT', path: /^\/keys\/(me|backup)$/, reach: 'own_account' },
  { method: 'GET', path: /^\/notices$/, reach: 'own_account' },
  { method: 'POST', path: /^\/notices\/[^/]+\/read$/, reach: 'own_account' },
];

function reachOf(method: string, path: string): Reach | 'public' {
  return REACH_OF_ROUTE.find((route) => route.method === method && route.path.test(path))?.reach ?? 'service';
}

/**
 * Refuses a fully signed-in session whatever its user's standing no longer allows (a suspended
 * user signs out; an unverified one enrols), before any route reads its input. Half-signed-in
 * sessions reach only the sign-in steps anyway (`requireSignedIn`).
 */
export const requireStanding: RequestHandler = (req, _res, next) => {
  const signedIn = currentSession(req);
  const reach = reachOf(req.method === 'HEAD' ? 'GET' : req.method, req.path);
  if (signedIn?.stage === 'active' && reach !== 'public') requireAllowed(canReach(signedIn.actor, reach));
  next();
};
