import { Router } from 'express';
import { childIdParam, reasonBody } from '../children/children.schema';
import { requireSignedIn } from '../http/session';
import { parseInput } from '../shared/parse-input';
import type { ServiceContext } from '../shared/context';
import { uuidParam } from '../shared/schemas';
import { cancelObligation, escalations, myNotices, myObligations, readNotice } from './obligations.service';
import { addCaseOfficerBody } from './offending.schema';
import { addCaseOfficer, markOffendingRisk, openSpecialFile, unmarkAsAdmin, unmarkOffendingRisk } from './offending.service';

/** The offending-risk tier: marking, the special file, case officers, obligations and the dashboards. */
export function offendingRoutes(ctx: ServiceContext): Router {
  const router = Router();
  const childId = (raw: unknown) => parseInput(childIdParam, raw, 'child id');

  router.post('/children/:id/offending-risk', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.json(await markOffendingRisk(ctx, signedIn, childId(req.params.id), parseInput(reasonBody, req.body).reason));
  });

  router.post('/children/:id/offending-risk/unmark', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.json(await unmarkOffendingRisk(ctx, signedIn, childId(req.params.id), parseInput(reasonBody, req.body).reason));
  });

  router.post('/children/:id/offending-risk/admin-unmark', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.json(await unmarkAsAdmin(ctx, signedIn, childId(req.params.id), parseInput(reasonBody, req.body).reason));
  });

  router.get('/children/:id/special-file', async (req, res) => {
    res.json(await openSpecialFile(ctx, requireSignedIn(req), childId(req.params.id)));
  });

  router.post('/children/:id/case-officers', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.json(await addCaseOfficer(ctx, signedIn, childId(req.params.id), parseInput(addCaseOfficerBody, req.body, 'case officer')));
  });

  router.get('/obligations/mine', async (req, res) => {
    res.json({ obligations: await myObligations(ctx, requireSignedIn(req)) });
  });

  router.get('/obligations/escalations', async (req, res) => {
    res.json({ obligations: await escalations(ctx, requireSignedIn(req)) });
  });

  router.post('/obligations/:id/cancel', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.json({
      obligation: await cancelObligation(ctx, signedIn, parseInput(uuidParam, req.params.id, 'obligation id'), parseInput(reasonBody, req.body).reason),
    });
  });

  router.get('/notices', async (req, res) => {
    res.json({ notices: await myNotices(ctx, requireSignedIn(req)) });
  });

  router.post('/notices/:id/read', async (req, res) => {
    const signedIn = requireSignedIn(req);
    await readNotice(ctx, signedIn, parseInput(uuidParam, req.params.id, 'notice id'));
    res.status(204).end();
  });

  return router;
}
