import { Router } from 'express';
import { requireSignedIn } from '../http/session';
import { parseInput } from '../shared/parse-input';
import type { ServiceContext } from '../shared/context';
import { uuidParam } from '../shared/schemas';
import { canReadIndex, requireAllowed } from '../policy';
import { currentHead, keyLogConsistency, keyLogProof } from './key-log.service';
import { attestationBody, consistencyQuery, keyBackupBody, keysQuery, proofQuery, publishKeysBody } from './keys.schema';
import { attestUserKeys, myKeyBackup, myKeyBackupStatus, myKeys, publicKeysOf, publishMyKeys, saveMyKeyBackup } from './keys.service';

/** The key directory and the key log (docs/key-log.md). */
export function keyRoutes(ctx: ServiceContext): Router {
  const router = Router();
  /** Reading the log is for people who may look up correspondents' keys. */
  const reader = (req: Parameters<typeof requireSignedIn>[0]) => {
    const signedIn = requireSignedIn(req);
    requireAllowed(canReadIndex(signedIn.actor));
    return signedIn;
  };

  router.get('/keys/me', async (req, res) => {
    res.json({ keys: await myKeys(ctx, requireSignedIn(req)) });
  });

  router.put('/keys/me', async (req, res) => {
    const signedIn = requireSignedIn(req);
    const { keys, created } = await publishMyKeys(ctx, signedIn, parseInput(publishKeysBody, req.body, 'keys'));
    res.status(created ? 201 : 200).json({ keys });
  });

  router.put('/keys/backup', async (req, res) => {
    const signedIn = requireSignedIn(req);
    await saveMyKeyBackup(ctx, signedIn, parseInput(keyBackupBody, req.body, 'key backup'));
    res.status(204).end();
  });

  router.get('/keys/backup/status', async (req, res) => {
    res.json(await myKeyBackupStatus(ctx, requireSignedIn(req)));
  });

  router.get('/keys/backup', async (req, res) => {
    res.json({ backup: await myKeyBackup(ctx, requireSignedIn(req)) });
  });

  router.get('/keys', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.json({ keys: await publicKeysOf(ctx, signedIn, parseInput(keysQuery, req.query, 'query').userIds) });
  });

  router.post('/users/:id/key-attestation', async (req, res) => {
    const signedIn = requireSignedIn(req);
    await attestUserKeys(ctx, signedIn, parseInput(uuidParam, req.params.id, 'user id'), parseInput(attestationBody, req.body, 'attestation'));
    res.status(204).end();
  });

  router.get('/key-log/head', async (req, res) => {
    reader(req);
    // No log public key here: clients trust the one their build was made with (docs/key-log.md, "Trust roots").
    res.json({ head: await currentHead(ctx) });
  });

  router.get('/key-log/proof', async (req, res) => {
    reader(req);
    res.json(await keyLogProof(ctx, parseInput(proofQuery, req.query, 'query').userId));
  });

  router.get('/key-log/consistency', async (req, res) => {
    reader(req);
    const { from, to } = parseInput(consistencyQuery, req.query, 'query');
    res.json(await keyLogConsistency(ctx, from, to));
  });

  return router;
}
