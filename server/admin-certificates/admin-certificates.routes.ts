import { Router } from 'express';
import { requireSignedIn } from '../http/session';
import type { ServiceContext } from '../shared/context';
import { listAdminCertificates } from './admin-certificates.service';

/** Admin certificates, signed by the organisation root (docs/key-log.md, "Trust roots"). */
export function adminCertificateRoutes(ctx: ServiceContext): Router {
  const router = Router();
  router.get('/admin-certificates', async (req, res) => {
    res.json({ certificates: await listAdminCertificates(ctx, requireSignedIn(req)) });
  });
  return router;
}
