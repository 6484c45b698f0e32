import { Router } from 'express';
import { requireSignedIn } from '../http/session';
import { parseInput } from '../shared/parse-input';
import type { ServiceContext } from '../shared/context';
import { keysQuery, publishKeysBody } from './keys.schema';
import { myKeys, publicKeysOf, publishMyKeys } from './keys.service';

export function keyRoutes(ctx: ServiceContext): Router {
  const router = Router();

  router.get('/keys/me', async (req, res) => {
    res.json({ keys: await myKeys(ctx, requireSignedIn(req)) });
  });

  router.put('/keys/me', async (req, res) => {
    const signedIn = requireSignedIn(req);
    const { keys, created } = await publishMyKeys(ctx, signedIn, parseInput(publishKeysBody, req.body, 'keys'));
    res.status(created ? 201 : 200).json({ keys });
  });

  router.get('/keys', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.json({ keys: await publicKeysOf(ctx, signedIn, parseInput(keysQuery, req.query, 'query').userIds) });
  });

  return router;
}
