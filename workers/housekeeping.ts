import { deleteExpiredRateLimits } from '../server/accounts/attempts.store';
import { deleteExpiredChallenges } from '../server/accounts/passkeys.store';
import { deleteExpiredSessions, deleteExpiredThrottles } from '../server/accounts/sessions.store';
import { deleteFinishedBefore } from '../server/notifications/outbox.store';
import type { ServiceContext } from '../server/shared/context';
import { jobDefinitions } from './jobs';
import type { JobHandler } from './registry';

/** Sent and skipped e-mail notices are kept this long (for `haven_mail_outbox` and an operator's questions), then removed. */
const MAIL_KEPT_MS = 30 * 86_400_000;

/**
 * Removes expired sessions, unanswered passkey challenges, finished throttle windows, expired attempt counters and old sent
 * e-mail notices. Idempotent: running twice changes nothing more.
 */
export function purgeExpired(ctx: Pick<ServiceContext, 'db' | 'clock'>): JobHandler {
  return async (payload) => {
    jobDefinitions['housekeeping.purge-expired'].payload.parse(payload);
    const now = ctx.clock();
    const sessions = await deleteExpiredSessions(ctx.db, now);
    const passkeyChallenges = await deleteExpiredChallenges(ctx.db, now);
    const throttles = await deleteExpiredThrottles(ctx.db, now);
    const rateLimits = await deleteExpiredRateLimits(ctx.db, now);
    const mail = await deleteFinishedBefore(ctx.db, new Date(now.getTime() - MAIL_KEPT_MS));
    return { sessions, passkeyChallenges, throttles, rateLimits, mail };
  };
}
