import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ServiceContext } from '../server/shared/context';
import { purgeExpired } from './housekeeping';
import { QUEUE_NAME, jobDefinitions, type JobName } from './jobs';
import { declareSchedules, watchSchedules } from './schedules';
import { recordJobFinished } from '../server/jobs';
import { sweepObligations } from '../server/offending/obligations.service';
import { runRetention } from '../server/retention/retention.service';
import { sweepUnsentUploads } from '../server/attachments';
import { anchorAuditHead } from '../server/audit/anchors';
import { checkHandlers, type JobHandler } from './registry';
import { mailQueue, type MailQueue } from '../server/notifications/mail-queue';
import { createMailTransport } from '../server/notifications/mail-transport';
import { mailSetup } from '../server/notifications/mail-setup';
import { INTERRUPTED, sweepOutbox } from '../server/notifications/send.service';
import { startMailWorker } from './mail';

export interface RunningWorkers {
  queue: Queue;
  worker: Worker;
  /** Sends the mail outbox (workers/mail.ts). */
  mailWorker: Worker;
  close(): Promise<void>;
}

export type WorkerContext = Pick<ServiceContext, 'db' | 'clock' | 'config' | 'notifier' | 'metrics' | 'outbox'>;

export function handlersFor(ctx: WorkerContext, mail: Pick<MailQueue, 'add'>, logger: Logger): [string, JobHandler][] {
  return [
    ['housekeeping.purge-expired', purgeExpired(ctx)],
    [
      'retention.run',
      async (payload) => {
        jobDefinitions['retention.run'].payload.parse(payload);
        const result = await runRetention(ctx, { dryRun: false, triggeredBy: null });
        return { runId: result.runId, destroyed: result.children.length };
      },
    ],
    [
      'audit.anchor',
      async (payload) => {
        jobDefinitions['audit.anchor'].payload.parse(payload);
        return { anchored: await anchorAuditHead(ctx) };
      },
    ],
    [
      'attachments.sweep',
      async (payload) => {
        jobDefinitions['attachments.sweep'].payload.parse(payload);
        return { deleted: await sweepUnsentUploads(ctx) };
      },
    ],
    [
      'obligations.sweep',
      async (payload) => {
        jobDefinitions['obligations.sweep'].payload.parse(payload);
        return sweepObligations(ctx);
      },
    ],
    [
      'mail.sweep',
      async (payload) => {
        jobDefinitions['mail.sweep'].payload.parse(payload);
        const { interrupted, enqueued } = await sweepOutbox(ctx, (rows) => mail.add(rows));
        for (const row of interrupted)
          logger.warn({ outbox: row.id, kind: row.kind, err: INTERRUPTED }, 'mail failed: not tried again (npm run haven -- mail retry)');
        return { interrupted: interrupted.length, enqueued };
      },
    ],
  ];
}

/**
 * Starts Haven's BullMQ worker, declares every schedule and keeps them declared (schedules.ts).
 * Each job that finishes is recorded in PostgreSQL, where /api/health and the metrics look.
 */
export async function startWorkers(base: WorkerContext, options: { redisUrl: string; prefix?: string }, logger: Logger): Promise<RunningWorkers> {
  // BullMQ workers block on Redis and must retry forever rather than fail a command.
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const prefix = options.prefix ?? 'haven';
  // Notices the jobs queue (reminders, escalations) wake the mail worker as the servers' do.
  const mail = mailQueue(connection, { prefix, config: base.config, clock: base.clock });
  const ctx: WorkerContext = { ...base, outbox: mail };
  const handlers = checkHandlers(handlersFor(ctx, mail, logger));
  const queue = new Queue(QUEUE_NAME, { connection, prefix });
  await declareSchedules(queue, ctx);
  const schedules = watchSchedules(queue, ctx, logger, ctx.config.HAVEN_SCHEDULE_CHECK_SECONDS * 1000);
  // A Redis that restarts empty (it keeps nothing on disk) has lost the schedules; so may one
  // that errs without reconnecting (a failover, a flush): look again in either case.
  connection.on('ready', () => void schedules.check());
  connection.on('error', () => void schedules.check());
  const worker = new Worker(
    QUEUE_NAME,
    async (job) => {
      const handler = handlers.get(job.name as JobName);
      if (!handler) throw new Error(`no handler for job ${job.name}`);
      const result = await handler(job.data);
      await recordJobFinished(ctx.db, job.name, ctx.clock());
      logger.info({ job: job.name, id: job.id, result }, 'job done');
      return result;
    },
    { connection, prefix, concurrency: 1 },
  );
  worker.on('failed', (job, err) => {
    logger.error({ job: job?.name, id: job?.id, err: err.message }, 'job failed');
    ctx.metrics?.jobFailed(job?.name ?? 'unknown');
  });
  const transport = createMailTransport(ctx.config);
  const setup = mailSetup(ctx.config);
  if (setup.configured) logger.info({ smtpHost: setup.host }, 'mail goes through SMTP');
  else logger.warn({ folder: setup.folder }, 'mail is not set up (HAVEN_SMTP_URL): e-mails are written to a folder');
  const mailWorker = startMailWorker(ctx, { connection, prefix, transport, logger });
  return {
    queue,
    worker,
    mailWorker,
    close: async () => {
      schedules.stop();
      await Promise.all([worker.close(), mailWorker.close()]);
      await queue.close();
      await mail.close();
      transport.close();
      connection.disconnect();
    },
  };
}
