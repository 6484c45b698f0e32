import { Router, type Request } from 'express';
import { clientAddress, requireSignedIn } from '../http/session';
import { parseInput } from '../shared/parse-input';
import type { ServiceContext } from '../shared/context';
import { uuidParam } from '../shared/schemas';
import type { AccountGuards } from './account-guards';
import { completePasskeySecondFactor, passkeySignInOptions, secondFactorOptions, signInWithPasskey } from './passkey-sign-in.service';
import { passkeyAssertionBody, passkeyOptionsBody, registerPasskeyBody } from './passkeys.schema';
import { listPasskeys, passkeyRegistrationOptions, registerPasskey, removePasskey } from './passkeys.service';
import { relyingParty } from './relying-party';
import { respondWithSession } from './session-response';

/** Passkeys (WebAuthn): adding and removing one's own, and signing in with one (docs/sign-in.md). */
export function passkeyRoutes(ctx: ServiceContext, guards: AccountGuards): Router {
  const router = Router();
  const rpOf = (req: Request) => relyingParty(ctx.config.PUBLIC_URL, req.headers.origin, req.headers.host);

  router.get('/me/passkeys', async (req, res) => {
    res.json({ passkeys: await listPasskeys(ctx, requireSignedIn(req)) });
  });

  router.post('/me/passkeys/options', async (req, res) => {
    const signedIn = requireSignedIn(req);
    const { password } = parseInput(passkeyOptionsBody, req.body);
    res.json({ options: await passkeyRegistrationOptions(ctx, guards, signedIn, rpOf(req), password, clientAddress(req)) });
  });

  router.post('/me/passkeys', async (req, res) => {
    const signedIn = requireSignedIn(req);
    const body = parseInput(registerPasskeyBody, req.body);
    res.status(201).json({ passkey: await registerPasskey(ctx, signedIn, rpOf(req), body) });
  });

  router.delete('/me/passkeys/:id', async (req, res) => {
    await removePasskey(ctx, requireSignedIn(req), parseInput(uuidParam, req.params.id, 'passkey'));
    res.status(204).end();
  });

  router.post('/auth/passkey/options', async (req, res) => {
    res.json({ options: await secondFactorOptions(ctx, requireSignedIn(req, 'mfa_required'), rpOf(req)) });
  });

  router.post('/auth/passkey', async (req, res) => {
    const signedIn = requireSignedIn(req, 'mfa_required');
    const { response } = parseInput(passkeyAssertionBody, req.body);
    await respondWithSession(ctx, res, await completePasskeySecondFactor(ctx, guards, signedIn, rpOf(req), response, clientAddress(req)));
  });

  router.post('/auth/passkey-sign-in/options', async (req, res) => {
    res.json({ options: await passkeySignInOptions(ctx, guards, rpOf(req), clientAddress(req)) });
  });

  router.post('/auth/passkey-sign-in', async (req, res) => {
    const { response } = parseInput(passkeyAssertionBody, req.body);
    await respondWithSession(ctx, res, await signInWithPasskey(ctx, guards, rpOf(req), response, clientAddress(req)));
  });

  return router;
}
