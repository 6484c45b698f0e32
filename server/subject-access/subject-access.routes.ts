import { Router } from 'express';
import { z } from 'zod';
import { requireSignedIn } from '../http/session';
import { parseInput } from '../shared/parse-input';
import type { ServiceContext } from '../shared/context';
import { uuidParam } from '../shared/schemas';
import { completeRequest, createRequest, createRequestBody, exportRequest, listRequests } from './subject-access.service';

export const exportQuery = z.strictObject({ format: z.enum(['json', 'html'], { message: 'format must be json or html' }).default('json') });

/** Subject access requests about a child: record, track the due date, export, mark answered. */
export function subjectAccessRoutes(ctx: ServiceContext): Router {
  const router = Router();
  const requestId = (raw: unknown) => parseInput(uuidParam, raw, 'request id');

  router.post('/subject-access-requests', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.status(201).json({ request: await createRequest(ctx, signedIn, parseInput(createRequestBody, req.body, 'subject access request')) });
  });

  router.get('/subject-access-requests', async (req, res) => {
    res.json({ requests: await listRequests(ctx, requireSignedIn(req)) });
  });

  router.get('/subject-access-requests/:id/export', async (req, res) => {
    const signedIn = requireSignedIn(req);
    const { format } = parseInput(exportQuery, req.query, 'export');
    const { data, html } = await exportRequest(ctx, signedIn, requestId(req.params.id));
    if (format === 'html') res.type('html').send(html);
    else res.json(data);
  });

  router.post('/subject-access-requests/:id/complete', async (req, res) => {
    res.json({ request: await completeRequest(ctx, requireSignedIn(req), requestId(req.params.id)) });
  });

  return router;
}
