import { Router } from 'express';
import { requireSignedIn } from '../http/session';
import { parseInput } from '../shared/parse-input';
import type { ServiceContext } from '../shared/context';
import { uuidParam } from '../shared/schemas';
import { appointLeadBody, childIdParam, contactBody, createChildBody, openBody, reasonBody, searchQuery } from './children.schema';
import { confirmChildDetails, createChild, openChild, searchIndex } from './children.service';
import { recentChildren } from './recent.service';
import { appointLead, childrenILead, endLeadAppointment, leadForAdmin } from './lead-practitioner.service';
import { clearConcernFlag, endMyInvolvement, raiseConcern, recordInvolvement } from './involvement.service';
import {
  acknowledgeAdminAlert,
  addSpecialistContact,
  alertsForAdmin,
  changeSpecialistContact,
  overrideShield,
  shieldChild,
  unshieldChild,
} from './shielding.service';

/** The children's index: search, open with a reason, involvement, concerns, shielding, lead practitioners. */
export function childrenRoutes(ctx: ServiceContext): Router {
  const router = Router();
  const childId = (raw: unknown) => parseInput(childIdParam, raw, 'child id');
  const reasonOf = (body: unknown) => parseInput(reasonBody, body).reason;
  /** Actions that may take the child off the index answer `{ child: null }` when they do. */
  const answer = (child: unknown) => ({ child });

  router.get('/children', async (req, res) => {
    res.json(await searchIndex(ctx, requireSignedIn(req), parseInput(searchQuery, req.query, 'search')));
  });

  router.get('/children/recent', async (req, res) => {
    res.json({ children: await recentChildren(ctx, requireSignedIn(req)) });
  });

  router.get('/children/led-by-me', async (req, res) => {
    res.json({ children: await childrenILead(ctx, requireSignedIn(req)) });
  });

  router.post('/children', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.status(201).json(answer(await createChild(ctx, signedIn, parseInput(createChildBody, req.body, 'index entry'))));
  });

  router.post('/children/:id/open', async (req, res) => {
    const signedIn = requireSignedIn(req);
    const { reason } = parseInput(openBody, req.body);
    res.json(answer(await openChild(ctx, signedIn, childId(req.params.id), reason)));
  });

  router.post('/children/:id/confirm-details', async (req, res) => {
    res.json(answer(await confirmChildDetails(ctx, requireSignedIn(req), childId(req.params.id))));
  });

  router.post('/children/:id/involvement', async (req, res) => {
    res.json(answer(await recordInvolvement(ctx, requireSignedIn(req), childId(req.params.id))));
  });

  router.post('/children/:id/involvement/end', async (req, res) => {
    res.json(answer(await endMyInvolvement(ctx, requireSignedIn(req), childId(req.params.id))));
  });

  router.get('/children/:id/lead-practitioner', async (req, res) => {
    res.json(await leadForAdmin(ctx, requireSignedIn(req), childId(req.params.id)));
  });

  router.put('/children/:id/lead-practitioner', async (req, res) => {
    const signedIn = requireSignedIn(req);
    const lead = await appointLead(ctx, signedIn, childId(req.params.id), parseInput(appointLeadBody, req.body, 'appointment'));
    res.status(201).json({ lead });
  });

  router.post('/children/:id/lead-practitioner/end', async (req, res) => {
    const signedIn = requireSignedIn(req);
    await endLeadAppointment(ctx, signedIn, childId(req.params.id), reasonOf(req.body));
    res.json({ lead: null });
  });

  router.post('/children/:id/concerns', async (req, res) => {
    res.json(answer(await raiseConcern(ctx, requireSignedIn(req), childId(req.params.id))));
  });

  router.post('/children/:id/concerns/:flagId/clear', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.json(answer(await clearConcernFlag(ctx, signedIn, childId(req.params.id), parseInput(uuidParam, req.params.flagId, 'concern id'))));
  });

  router.post('/children/:id/shield', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.json(answer(await shieldChild(ctx, signedIn, childId(req.params.id), reasonOf(req.body))));
  });

  router.post('/children/:id/unshield', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.json(answer(await unshieldChild(ctx, signedIn, childId(req.params.id), reasonOf(req.body))));
  });

  router.post('/children/:id/override', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.json(answer(await overrideShield(ctx, signedIn, childId(req.params.id), reasonOf(req.body))));
  });

  router.post('/children/:id/contacts', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.status(201).json(answer(await addSpecialistContact(ctx, signedIn, childId(req.params.id), parseInput(contactBody, req.body, 'specialist contact'))));
  });

  for (const change of ['remove', 'shield', 'unshield'] as const) {
    router.post(`/children/:id/contacts/:contactId/${change}`, async (req, res) => {
      const signedIn = requireSignedIn(req);
      const contactId = parseInput(uuidParam, req.params.contactId, 'contact id');
      res.json(answer(await changeSpecialistContact(ctx, signedIn, childId(req.params.id), contactId, change, reasonOf(req.body))));
    });
  }

  router.get('/alerts', async (req, res) => {
    res.json({ alerts: await alertsForAdmin(ctx, requireSignedIn(req)) });
  });

  router.post('/alerts/:id/acknowledge', async (req, res) => {
    const signedIn = requireSignedIn(req);
    await acknowledgeAdminAlert(ctx, signedIn, parseInput(uuidParam, req.params.id, 'alert id'));
    res.status(204).end();
  });

  return router;
}
