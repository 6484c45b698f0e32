import { Router } from 'express';
import { requireSignedIn } from '../http/session';
import type { ServiceContext } from '../shared/context';
import { listAdminCertificateRevocations, listAdminCertificates } from './admin-certificates.service';

/** Admin certificates, signed by the organisation root (docs/key-log.md, "Trust roots"). */
export function adminCertificateRoutes(ctx: ServiceContext): Router {
  const router = Router();
  router.get('/admin-certificates', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.json({ certificates: await listAdminCertificates(ctx, signedIn), revocations: await listAdminCertificateRevocations(ctx, signedIn) });
  });
  return router;
}
