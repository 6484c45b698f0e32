import { Router } from 'express';
import { childIdParam } from '../children/children.schema';
import { requireSignedIn } from '../http/session';
import { countShare } from '../metrics/service-metrics';
import { parseInput } from '../shared/parse-input';
import type { ServiceContext } from '../shared/context';
import { uuidParam } from '../shared/schemas';
import { correctionBody, decisionBody, reopenBody, verbalShareBody } from './shares.schema';
import { chronology, correctEntry, recordDecision, recordVerbalShare, reopenDecision } from './shares.service';
import { multiAgencyChronology } from './multi-agency-chronology.service';

/** The share log: verbal shares, decisions not to share, corrections, and each child's chronology (one's own, or every agency's for the lead practitioner). */
export function shareRoutes(ctx: ServiceContext): Router {
  const router = Router();
  const childId = (raw: unknown) => parseInput(childIdParam, raw, 'child id');
  const shareId = (raw: unknown) => parseInput(uuidParam, raw, 'entry id');

  router.post('/children/:id/verbal-shares', async (req, res) => {
    const signedIn = requireSignedIn(req);
    const { entry, created } = await countShare(
      ctx.metrics,
      'verbal',
      () => recordVerbalShare(ctx, signedIn, childId(req.params.id), parseInput(verbalShareBody, req.body, 'verbal share')),
      (r) => !r.created,
    );
    res.status(created ? 201 : 200).json({ entry });
  });

  router.post('/children/:id/decisions', async (req, res) => {
    const signedIn = requireSignedIn(req);
    const entry = await countShare(ctx.metrics, 'decision_not_to_share', () =>
      recordDecision(ctx, signedIn, childId(req.params.id), parseInput(decisionBody, req.body, 'decision')),
    );
    res.status(201).json({ entry });
  });

  router.get('/children/:id/chronology', async (req, res) => {
    res.json({ entries: await chronology(ctx, requireSignedIn(req), childId(req.params.id)) });
  });

  router.get('/children/:id/chronology/all-agencies', async (req, res) => {
    res.json({ entries: await multiAgencyChronology(ctx, requireSignedIn(req), childId(req.params.id)) });
  });

  router.post('/shares/:id/reopen', async (req, res) => {
    const signedIn = requireSignedIn(req);
    const entry = await countShare(ctx.metrics, 'decision_reopened', () =>
      reopenDecision(ctx, signedIn, shareId(req.params.id), parseInput(reopenBody, req.body).reason),
    );
    res.status(201).json({ entry });
  });

  router.post('/shares/:id/corrections', async (req, res) => {
    const signedIn = requireSignedIn(req);
    const entry = await countShare(ctx.metrics, 'correction', () =>
      correctEntry(ctx, signedIn, shareId(req.params.id), parseInput(correctionBody, req.body, 'correction')),
    );
    res.status(201).json({ entry });
  });

  return router;
}
