import { Router } from 'express';
import { childIdParam } from '../children/children.schema';
import { requireSignedIn } from '../http/session';
import { countShare } from '../metrics/service-metrics';
import { parseInput } from '../shared/parse-input';
import type { ServiceContext } from '../shared/context';
import { uuidParam } from '../shared/schemas';
import { addParticipantBody, startThreadBody } from './threads.schema';
import { addParticipant, myThreads, openThread, startThread } from './threads.service';

/** Conversations about a child between named practitioners. Messages themselves travel over Socket.IO. */
export function threadRoutes(ctx: ServiceContext): Router {
  const router = Router();
  const threadId = (raw: unknown) => parseInput(uuidParam, raw, 'conversation id');

  router.post('/children/:id/threads', async (req, res) => {
    const signedIn = requireSignedIn(req);
    const thread = await countShare(ctx.metrics, 'thread_started', () =>
      startThread(ctx, signedIn, parseInput(childIdParam, req.params.id, 'child id'), parseInput(startThreadBody, req.body, 'conversation')),
    );
    res.status(201).json({ thread });
  });

  router.get('/threads', async (req, res) => {
    res.json({ threads: await myThreads(ctx, requireSignedIn(req)) });
  });

  router.get('/threads/:id', async (req, res) => {
    res.json(await openThread(ctx, requireSignedIn(req), threadId(req.params.id)));
  });

  router.post('/threads/:id/participants', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.json({ thread: await addParticipant(ctx, signedIn, threadId(req.params.id), parseInput(addParticipantBody, req.body, 'participant')) });
  });

  return router;
}
