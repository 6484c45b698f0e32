import { deleteExpiredSessions, deleteExpiredThrottles } from '../server/accounts/sessions.store';
import type { ServiceContext } from '../server/shared/context';
import { jobDefinitions } from './jobs';
import type { JobHandler } from './registry';

/** Removes expired sessions and finished throttle windows. Idempotent: running twice changes nothing more. */
export function purgeExpired(ctx: Pick<ServiceContext, 'db' | 'clock'>): JobHandler {
  return async (payload) => {
    jobDefinitions['housekeeping.purge-expired'].payload.parse(payload);
    const now = ctx.clock();
    const sessions = await deleteExpiredSessions(ctx.db, now);
    const throttles = await deleteExpiredThrottles(ctx.db, now);
    return { sessions, throttles };
  };
}
