import { Router } from 'express';
import { sessionCsrfToken } from '../../crypto';
import { servesHttps } from '../config';
import { clientAddress, issueSessionCookie, requireSignedIn } from '../http/session';
import { parseInput } from '../shared/parse-input';
import type { ServiceContext } from '../shared/context';
import { uuidParam } from '../shared/schemas';
import type { AccountGuards } from './account-guards';
import {
  mfaRecoveryBody,
  ownRecoveryCancelBody,
  recoveryCancelBody,
  recoveryCompleteBody,
  recoveryPasswordBody,
  recoveryTokenParam,
} from './mfa-recovery.schema';
import { cancelMfaRecovery, cancelOwnMfaRecovery, confirmMfaRecovery, listMfaRecoveries, ownMfaRecovery, requestMfaRecovery } from './mfa-recovery.service';
import { completeMfaRecovery, describeMfaRecovery, startRecoveryEnrolment } from './mfa-recovery-link.service';
import { sessionView } from './session-view';

/** Recovery of a lost second factor: the admins' side, and the person's link (docs/sign-in.md). Policy decides who may. */
export function mfaRecoveryRoutes(ctx: ServiceContext, guards: AccountGuards): Router {
  const router = Router();
  const secure = servesHttps(ctx.config);
  const linkToken = (raw: unknown) => parseInput(recoveryTokenParam, raw, 'recovery link');

  router.post('/users/:id/mfa-recovery', async (req, res) => {
    const signedIn = requireSignedIn(req);
    const userId = parseInput(uuidParam, req.params.id, 'user id');
    res.status(201).json({ recovery: await requestMfaRecovery(ctx, signedIn, userId, parseInput(mfaRecoveryBody, req.body)) });
  });

  router.get('/mfa-recoveries', async (req, res) => {
    res.json({ recoveries: await listMfaRecoveries(ctx, requireSignedIn(req)) });
  });

  router.post('/mfa-recoveries/:id/confirm', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.json({ recovery: await confirmMfaRecovery(ctx, signedIn, parseInput(uuidParam, req.params.id, 'recovery id')) });
  });

  router.post('/mfa-recoveries/:id/cancel', async (req, res) => {
    const signedIn = requireSignedIn(req);
    const { reason } = parseInput(recoveryCancelBody, req.body);
    res.json({ recovery: await cancelMfaRecovery(ctx, signedIn, parseInput(uuidParam, req.params.id, 'recovery id'), reason) });
  });

  // The person's own open recovery: seen, and cancelled if they did not ask for it (signed in with their current second factor).
  router.get('/me/mfa-recovery', async (req, res) => {
    res.json({ recovery: await ownMfaRecovery(ctx, requireSignedIn(req)) });
  });

  router.post('/me/mfa-recovery/cancel', async (req, res) => {
    const signedIn = requireSignedIn(req);
    const { why } = parseInput(ownRecoveryCancelBody, req.body);
    await cancelOwnMfaRecovery(ctx, signedIn, why);
    res.json({ cancelled: true });
  });

  router.get('/auth/mfa-recovery/:token', async (req, res) => {
    res.json(await describeMfaRecovery(ctx, linkToken(req.params.token)));
  });

  router.post('/auth/mfa-recovery/:token/enrolment', async (req, res) => {
    const token = linkToken(req.params.token);
    const { password } = parseInput(recoveryPasswordBody, req.body);
    res.json(await startRecoveryEnrolment(ctx, guards, token, password, clientAddress(req)));
  });

  router.post('/auth/mfa-recovery/:token', async (req, res) => {
    const token = linkToken(req.params.token);
    const session = await completeMfaRecovery(ctx, guards, token, parseInput(recoveryCompleteBody, req.body), clientAddress(req));
    issueSessionCookie(res, session, secure, ctx.config.HAVEN_SESSION_HOURS);
    res.json({ csrfToken: sessionCsrfToken(session.token), session: await sessionView(ctx, session.signedIn) });
  });

  return router;
}
