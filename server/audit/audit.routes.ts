import { Router } from 'express';
import { requireSignedIn } from '../http/session';
import { parseInput } from '../shared/parse-input';
import type { ServiceContext } from '../shared/context';
import { auditQuery } from './audit.schema';
import { listAudit, verifyChainAsAdmin } from './audit.service';
import { accessReport, reportCsv, reportQuery } from './reports';
import { uuidParam } from '../shared/schemas';

export function auditRoutes(ctx: ServiceContext): Router {
  const router = Router();

  router.get('/audit', async (req, res) => {
    res.json({ entries: await listAudit(ctx, requireSignedIn(req), parseInput(auditQuery, req.query, 'filter')) });
  });

  router.get('/audit/verify', async (req, res) => {
    res.json(await verifyChainAsAdmin(ctx, requireSignedIn(req)));
  });

  for (const kind of ['child', 'user'] as const) {
    router.get(`/audit/reports/${kind}/:id`, async (req, res) => {
      const signedIn = requireSignedIn(req);
      const query = parseInput(reportQuery, req.query, 'report');
      const entries = await accessReport(ctx, signedIn, { kind, id: parseInput(uuidParam, req.params.id, `${kind} id`) }, query);
      if (query.format === 'csv') {
        res.type('text/csv').attachment(`haven-access-${kind}-${req.params.id}.csv`).send(reportCsv(entries));
      } else {
        res.json({ entries });
      }
    });
  }

  return router;
}
