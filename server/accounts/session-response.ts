import type { Response } from 'express';
import { sessionCsrfToken } from '../../crypto';
import { servesHttps } from '../config';
import { issueSessionCookie } from '../http/session';
import type { ServiceContext } from '../shared/context';
import { sessionView } from './session-view';
import type { NewSession } from './sign-in.service';

/** Answers a step that made a new session: its cookie, and the CSRF token bound to it, come with it. */
export async function respondWithSession(ctx: ServiceContext, res: Response, session: NewSession): Promise<void> {
  issueSessionCookie(res, session, servesHttps(ctx.config), ctx.config.HAVEN_SESSION_HOURS);
  res.json({ csrfToken: sessionCsrfToken(session.token), session: await sessionView(ctx, session.signedIn) });
}
