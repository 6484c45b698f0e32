import { Router } from 'express';
import { z } from 'zod';
import { childIdParam, reasonBody } from '../children/children.schema';
import { requireSignedIn } from '../http/session';
import { canManageRetention, requireAllowed } from '../policy';
import { parseInput } from '../shared/parse-input';
import type { ServiceContext } from '../shared/context';
import { uuidParam } from '../shared/schemas';
import { placeLegalHold, releaseLegalHold, retentionRun, retentionRuns, runRetentionAsAdmin } from './retention.service';
import { retentionSchedule } from './schedule';

export const runBody = z.strictObject({ dryRun: z.boolean({ message: 'Say whether this is a dry run' }) });

/** Retention: the schedule, runs (and dry runs) on demand, and legal holds. */
export function retentionRoutes(ctx: ServiceContext): Router {
  const router = Router();

  router.get('/retention/schedule', (req, res) => {
    requireAllowed(canManageRetention(requireSignedIn(req).actor));
    res.json({ schedule: retentionSchedule(ctx.config) });
  });

  router.get('/retention/runs', async (req, res) => {
    res.json({ runs: await retentionRuns(ctx, requireSignedIn(req)) });
  });

  router.get('/retention/runs/:id', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.json({ run: await retentionRun(ctx, signedIn, parseInput(uuidParam, req.params.id, 'run id')) });
  });

  router.post('/retention/runs', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.status(201).json(await runRetentionAsAdmin(ctx, signedIn, parseInput(runBody, req.body, 'retention run').dryRun));
  });

  router.post('/children/:id/legal-hold', async (req, res) => {
    const signedIn = requireSignedIn(req);
    await placeLegalHold(ctx, signedIn, parseInput(childIdParam, req.params.id, 'child id'), parseInput(reasonBody, req.body).reason);
    res.status(204).end();
  });

  router.post('/children/:id/legal-hold/release', async (req, res) => {
    const signedIn = requireSignedIn(req);
    await releaseLegalHold(ctx, signedIn, parseInput(childIdParam, req.params.id, 'child id'), parseInput(reasonBody, req.body).reason);
    res.status(204).end();
  });

  return router;
}
