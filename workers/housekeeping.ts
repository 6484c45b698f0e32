import { deleteExpiredRateLimits } from '../server/accounts/attempts.store';
import { deleteExpiredSessions, deleteExpiredThrottles } from '../server/accounts/sessions.store';
import type { ServiceContext } from '../server/shared/context';
import { jobDefinitions } from './jobs';
import type { JobHandler } from './registry';

/** Removes expired sessions, finished throttle windows and expired attempt counters. Idempotent: running twice changes nothing more. */
export function purgeExpired(ctx: Pick<ServiceContext, 'db' | 'clock'>): JobHandler {
  return async (payload) => {
    jobDefinitions['housekeeping.purge-expired'].payload.parse(payload);
    const now = ctx.clock();
    const sessions = await deleteExpiredSessions(ctx.db, now);
    const throttles = await deleteExpiredThrottles(ctx.db, now);
    const rateLimits = await deleteExpiredRateLimits(ctx.db, now);
    return { sessions, throttles, rateLimits };
  };
}
