import { Router } from 'express';
import { requireSignedIn } from '../http/session';
import { parseInput } from '../shared/parse-input';
import type { ServiceContext } from '../shared/context';
import { uuidParam } from '../shared/schemas';
import { createAgencyBody, protocolBody, signInPolicyBody } from './agencies.schema';
import { agencyDirectory, listAllAgencies, recordProtocolSigning, registerAgency } from './agencies.service';
import { setSignInPolicy, signInPolicy } from './sign-in-policy.service';

export function agencyRoutes(ctx: ServiceContext): Router {
  const router = Router();

  router.get('/agencies/directory', async (_req, res) => {
    res.json({ agencies: await agencyDirectory(ctx) });
  });

  router.get('/agencies', async (req, res) => {
    res.json({ agencies: await listAllAgencies(ctx, requireSignedIn(req)) });
  });

  router.post('/agencies', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.status(201).json({ agency: await registerAgency(ctx, signedIn, parseInput(createAgencyBody, req.body)) });
  });

  router.post('/agencies/:id/protocol', async (req, res) => {
    const signedIn = requireSignedIn(req);
    const id = parseInput(uuidParam, req.params.id, 'agency id');
    res.json({ agency: await recordProtocolSigning(ctx, signedIn, id, parseInput(protocolBody, req.body)) });
  });

  router.get('/agencies/:id/sign-in-policy', async (req, res) => {
    res.json(await signInPolicy(ctx, requireSignedIn(req), parseInput(uuidParam, req.params.id, 'agency id')));
  });

  router.put('/agencies/:id/sign-in-policy', async (req, res) => {
    const signedIn = requireSignedIn(req);
    const id = parseInput(uuidParam, req.params.id, 'agency id');
    const { passkeyOnlySignIn } = parseInput(signInPolicyBody, req.body);
    res.json(await setSignInPolicy(ctx, signedIn, id, passkeyOnlySignIn));
  });

  return router;
}
