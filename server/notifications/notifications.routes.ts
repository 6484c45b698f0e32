import { Router } from 'express';
import { requireSignedIn } from '../http/session';
import type { ServiceContext } from '../shared/context';
import { parseInput } from '../shared/parse-input';
import { uuidParam } from '../shared/schemas';
import { agencyDefaults, myPreferences, setAgencyDefaults, setMyPreferences } from './preferences.service';
import { mailStatus } from './status.service';

/** E-mail notices: their set-up, and who hears what and when (the outbox is the operator's, `npm run haven -- mail`). */
export function notificationRoutes(ctx: ServiceContext): Router {
  const router = Router();

  router.get('/mail/status', (req, res) => {
    res.json({ mail: mailStatus(ctx, requireSignedIn(req)) });
  });

  router.get('/me/notification-preferences', async (req, res) => {
    res.json(await myPreferences(ctx, requireSignedIn(req)));
  });

  router.put('/me/notification-preferences', async (req, res) => {
    res.json(await setMyPreferences(ctx, requireSignedIn(req), req.body));
  });

  router.get('/agencies/:id/notification-defaults', async (req, res) => {
    res.json(await agencyDefaults(ctx, requireSignedIn(req), parseInput(uuidParam, req.params.id, 'agency')));
  });

  router.put('/agencies/:id/notification-defaults', async (req, res) => {
    res.json(await setAgencyDefaults(ctx, requireSignedIn(req), parseInput(uuidParam, req.params.id, 'agency'), req.body));
  });

  return router;
}
