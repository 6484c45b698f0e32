import { Router } from 'express';
import { servesHttps } from '../config';
import { ensureCsrfToken } from '../http/csrf';
import { clearSessionCookie, clientAddress, currentSession, requireSignedIn } from '../http/session';
import { parseInput } from '../shared/parse-input';
import type { ServiceContext } from '../shared/context';
import type { AccountGuards } from './account-guards';
import {
  acceptInviteBody,
  codeBody,
  inviteTokenParam,
  passwordResetBody,
  passwordResetRequestBody,
  registerBody,
  resetTokenParam,
  signInBody,
} from './accounts.schema';
import { completePasswordReset, describePasswordReset, requestPasswordReset } from './password-reset.service';
import { acceptInvite, describeInvite, register } from './registration.service';
import { respondWithSession } from './session-response';
import { sessionView } from './session-view';
import { completeMfa, confirmEnrolment, signIn, signOut, signOutEverywhere, startEnrolment } from './sign-in.service';

/** Sign-in, two-factor, enrolment, registration and invites: everything before and around a session. */
export function accountRoutes(ctx: ServiceContext, guards: AccountGuards): Router {
  const router = Router();
  const secure = servesHttps(ctx.config);

  router.get('/session', async (req, res) => {
    const csrfToken = ensureCsrfToken(req, res, secure);
    const signedIn = currentSession(req);
    res.json({ csrfToken, session: signedIn ? await sessionView(ctx, signedIn) : null });
  });

  router.post('/auth/sign-in', async (req, res) => {
    const body = parseInput(signInBody, req.body);
    await respondWithSession(ctx, res, await signIn(ctx, guards, body, clientAddress(req)));
  });

  router.post('/auth/mfa', async (req, res) => {
    const signedIn = requireSignedIn(req, 'mfa_required');
    const { code } = parseInput(codeBody, req.body);
    await respondWithSession(ctx, res, await completeMfa(ctx, guards, signedIn, code, clientAddress(req)));
  });

  router.post('/auth/enrolment/start', async (req, res) => {
    res.json(await startEnrolment(ctx, requireSignedIn(req, 'enrolment_required')));
  });

  router.post('/auth/enrolment/confirm', async (req, res) => {
    const signedIn = requireSignedIn(req, 'enrolment_required');
    const { code } = parseInput(codeBody, req.body);
    await respondWithSession(ctx, res, await confirmEnrolment(ctx, guards, signedIn, code, clientAddress(req)));
  });

  router.post('/auth/sign-out', async (req, res) => {
    const signedIn = currentSession(req);
    if (signedIn) await signOut(ctx, signedIn);
    clearSessionCookie(res, secure);
    res.status(204).end();
  });

  router.post('/auth/sign-out-everywhere', async (req, res) => {
    await signOutEverywhere(ctx, requireSignedIn(req));
    clearSessionCookie(res, secure);
    res.status(204).end();
  });

  router.post('/auth/register', async (req, res) => {
    // The same answer whether or not the address already has an account (its owner is told instead).
    await register(ctx, guards, parseInput(registerBody, req.body), clientAddress(req));
    res.status(201).json({ status: 'pending_verification' });
  });

  router.get('/auth/invites/:token', async (req, res) => {
    const token = parseInput(inviteTokenParam, req.params.token, 'invitation link');
    res.json(await describeInvite(ctx, token));
  });

  router.post('/auth/invites/:token/accept', async (req, res) => {
    const token = parseInput(inviteTokenParam, req.params.token, 'invitation link');
    await acceptInvite(ctx, guards, token, parseInput(acceptInviteBody, req.body), clientAddress(req));
    res.status(201).json({ status: 'pending_verification' });
  });

  router.post('/auth/password-reset', async (req, res) => {
    // The same answer whether or not the address has an account (docs/sign-in.md).
    const { email } = parseInput(passwordResetRequestBody, req.body);
    await requestPasswordReset(ctx, guards, email, clientAddress(req));
    res.status(202).json({ status: 'sent_if_known' });
  });

  router.get('/auth/password-reset/:token', async (req, res) => {
    res.json(await describePasswordReset(ctx, parseInput(resetTokenParam, req.params.token, 'password reset link')));
  });

  router.post('/auth/password-reset/:token', async (req, res) => {
    const token = parseInput(resetTokenParam, req.params.token, 'password reset link');
    await completePasswordReset(ctx, guards, token, parseInput(passwordResetBody, req.body), clientAddress(req));
    // Every session of the account has ended, this browser's included.
    clearSessionCookie(res, secure);
    res.json({ status: 'password_changed' });
  });

  return router;
}
