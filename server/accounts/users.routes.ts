import { Router } from 'express';
import { requireSignedIn } from '../http/session';
import { parseInput } from '../shared/parse-input';
import type { ServiceContext } from '../shared/context';
import { uuidParam } from '../shared/schemas';
import { createInviteBody, listUsersQuery, peopleQuery, reasonBody, verifyBody } from './accounts.schema';
import { findPeople } from './directory.service';
import { createInvite } from './registration.service';
import { getUser, listUsers, setSuspension, verifyUser } from './verification.service';

/** Admin work on users: listing, invitations, verification, suspension. Policy decides who may. */
export function userRoutes(ctx: ServiceContext): Router {
  const router = Router();
  const userId = (raw: unknown) => parseInput(uuidParam, raw, 'user id');

  router.get('/users', async (req, res) => {
    res.json({ users: await listUsers(ctx, requireSignedIn(req), parseInput(listUsersQuery, req.query, 'filter')) });
  });

  router.get('/people', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.json({ people: await findPeople(ctx, signedIn, parseInput(peopleQuery, req.query, 'search').name) });
  });

  router.get('/users/:id', async (req, res) => {
    res.json({ user: await getUser(ctx, requireSignedIn(req), userId(req.params.id)) });
  });

  router.post('/invites', async (req, res) => {
    const signedIn = requireSignedIn(req);
    const { token, invite } = await createInvite(ctx, signedIn, parseInput(createInviteBody, req.body));
    const base = ctx.config.PUBLIC_URL ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    res.status(201).json({ invite, token, url: `${base.replace(/\/$/, '')}/#/invite/${token}` });
  });

  router.post('/users/:id/verify', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.json({ user: await verifyUser(ctx, signedIn, userId(req.params.id), parseInput(verifyBody, req.body)) });
  });

  router.post('/users/:id/suspend', async (req, res) => {
    const signedIn = requireSignedIn(req);
    const { reason } = parseInput(reasonBody, req.body);
    res.json({ user: await setSuspension(ctx, signedIn, userId(req.params.id), { suspend: true, reason }) });
  });

  router.post('/users/:id/reinstate', async (req, res) => {
    const signedIn = requireSignedIn(req);
    const { reason } = parseInput(reasonBody, req.body);
    res.json({ user: await setSuspension(ctx, signedIn, userId(req.params.id), { suspend: false, reason }) });
  });

  return router;
}
