import { Router } from 'express';
import { requireSignedIn } from '../http/session';
import { parseInput } from '../shared/parse-input';
import type { ServiceContext } from '../shared/context';
import { integrityReportBody } from './integrity.schema';
import { reportIntegrity } from './integrity.service';

/** Reports from readers' clients of something altered on the server (docs/envelope.md, docs/sealed-note.md). */
export function integrityRoutes(ctx: ServiceContext): Router {
  const router = Router();

  router.post('/integrity-reports', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.status(201).json(await reportIntegrity(ctx, signedIn, parseInput(integrityReportBody, req.body, 'report')));
  });

  return router;
}
