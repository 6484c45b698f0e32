import { DelayedError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { MAIL_QUEUE_NAME } from '../server/notifications/mail-queue';
import type { MailTransport } from '../server/notifications/mail-transport';
import { retryDelayMs } from '../server/notifications/retry-rules';
import { sendNotice, type MailContext } from '../server/notifications/send.service';

const mailJobPayload = z.strictObject({ outboxId: z.uuid() });

/** A temporary failure: BullMQ tries again when the outbox row says (the row is the truth). */
class TryAgain extends Error {
  constructor(
    readonly inMs: number,
    summary: string,
  ) {
    super(summary);
  }
}

/**
 * The mail worker: one BullMQ job per outbox notice (server/notifications/mail-queue.ts), each
 * sent by `sendNotice`. A notice not yet due goes back to wait without using an attempt; a
 * temporary failure uses one and waits the row's backoff. Logs name the notice and its kind,
 * never an address or what the e-mail says.
 */
export function startMailWorker(ctx: MailContext, deps: { connection: Redis; prefix: string; transport: MailTransport; logger: Logger }): Worker {
  const { logger } = deps;
  const worker = new Worker(
    MAIL_QUEUE_NAME,
    async (job, token) => {
      const { outboxId } = mailJobPayload.parse(job.data);
      const result = await sendNotice(ctx, deps.transport, outboxId);
      const about = { outbox: outboxId, ...('kind' in result ? { kind: result.kind } : {}) };
      switch (result.outcome) {
        case 'sent':
          logger.info(about, 'mail sent');
          break;
        case 'skipped':
          logger.info({ ...about, why: result.why }, 'mail not needed');
          break;
        case 'not_queued':
          break;
        case 'later':
          await job.moveToDelayed(result.at.getTime(), token);
          throw new DelayedError();
        case 'retry':
          logger.warn({ ...about, err: result.error, at: result.at.toISOString() }, 'mail not sent yet: will try again');
          throw new TryAgain(result.at.getTime() - Date.now(), result.error);
        case 'failed':
          if (result.bounced) logger.warn({ ...about, err: result.error }, 'mail bounced: refused for good, not tried again');
          else logger.error({ ...about, err: result.error }, 'mail failed: not tried again (npm run haven -- mail retry)');
          break;
      }
      return { outcome: result.outcome };
    },
    {
      connection: deps.connection,
      prefix: deps.prefix,
      concurrency: 2,
      settings: {
        backoffStrategy: (attemptsMade, _type, err) =>
          err instanceof TryAgain ? Math.max(0, err.inMs) : retryDelayMs(attemptsMade, ctx.config.HAVEN_MAIL_RETRY_SECONDS * 1000),
      },
    },
  );
  // Redis going away is reported by /api/health and the schedule watch; BullMQ reconnects by itself.
  worker.on('error', (err) => logger.debug({ err: err.message }, 'mail worker: Redis error'));
  worker.on('failed', (job, err) => {
    if (err instanceof TryAgain || err instanceof DelayedError) return;
    logger.error({ job: job?.name, id: job?.id, err: err.message }, 'mail job failed');
  });
  return worker;
}
