import { Router } from 'express';
import { requireSignedIn } from '../http/session';
import type { ServiceContext } from '../shared/context';
import { mailStatus } from './status.service';

/** E-mail notices: only their set-up is visible over HTTP (the outbox is the operator's, `npm run haven -- mail`). */
export function notificationRoutes(ctx: ServiceContext): Router {
  const router = Router();

  router.get('/mail/status', (req, res) => {
    res.json({ mail: mailStatus(ctx, requireSignedIn(req)) });
  });

  return router;
}
