import { Router } from 'express';
import { requireSignedIn } from '../http/session';
import { parseInput } from '../shared/parse-input';
import type { ServiceContext } from '../shared/context';
import { auditQuery } from './audit.schema';
import { listAudit, verifyChainAsAdmin } from './audit.service';

export function auditRoutes(ctx: ServiceContext): Router {
  const router = Router();

  router.get('/audit', async (req, res) => {
    res.json({ entries: await listAudit(ctx, requireSignedIn(req), parseInput(auditQuery, req.query, 'filter')) });
  });

  router.get('/audit/verify', async (req, res) => {
    res.json(await verifyChainAsAdmin(ctx, requireSignedIn(req)));
  });

  return router;
}
