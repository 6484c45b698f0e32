import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ServiceContext } from '../server/shared/context';
import { purgeExpired } from './housekeeping';
import { JOB_NAMES, QUEUE_NAME, jobDefinitions, type JobName } from './jobs';
import { sweepObligations } from '../server/offending/obligations.service';
import { runRetention } from '../server/retention/retention.service';
import { anchorAuditHead } from '../server/audit/anchors';
import { checkHandlers, type JobHandler } from './registry';

export interface RunningWorkers {
  queue: Queue;
  worker: Worker;
  close(): Promise<void>;
}

export type WorkerContext = Pick<ServiceContext, 'db' | 'clock' | 'config' | 'notifier' | 'metrics'>;

export function handlersFor(ctx: WorkerContext): [string, JobHandler][] {
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
      'obligations.sweep',
      async (payload) => {
        jobDefinitions['obligations.sweep'].payload.parse(payload);
        return sweepObligations(ctx);
      },
    ],
  ];
}

/** A schedule's interval: the configured sweep interval for obligations, the job's own otherwise. */
function intervalOf(name: JobName, ctx: WorkerContext): number {
  return name === 'obligations.sweep' ? ctx.config.HAVEN_OBLIGATION_SWEEP_SECONDS * 1000 : jobDefinitions[name].every.ms;
}

/**
 * Starts Haven's BullMQ worker and (re)declares every schedule. Scheduler ids equal job names,
 * so restarting any number of times keeps exactly one schedule per job.
 */
export async function startWorkers(ctx: WorkerContext, options: { redisUrl: string; prefix?: string }, logger: Logger): Promise<RunningWorkers> {
  const handlers = checkHandlers(handlersFor(ctx));
  // BullMQ workers block on Redis and must retry forever rather than fail a command.
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const prefix = options.prefix ?? 'haven';
  const queue = new Queue(QUEUE_NAME, { connection, prefix });
  const declareSchedules = async () => {
    for (const name of JOB_NAMES) {
      await queue.upsertJobScheduler(name, { every: intervalOf(name, ctx) }, { name, data: {}, opts: { removeOnComplete: 100, removeOnFail: 500 } });
    }
  };
  await declareSchedules();
  // A Redis that restarts empty (it keeps nothing on disk) has lost the schedules: declare them
  // again on every reconnection. Upserting by fixed id makes this harmless when nothing was lost.
  connection.on('ready', () => {
    declareSchedules().catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not re-declare job schedules'));
  });
  const worker = new Worker(
    QUEUE_NAME,
    async (job) => {
      const handler = handlers.get(job.name as JobName);
      if (!handler) throw new Error(`no handler for job ${job.name}`);
      const result = await handler(job.data);
      logger.info({ job: job.name, id: job.id, result }, 'job done');
      return result;
    },
    { connection, prefix, concurrency: 1 },
  );
  worker.on('failed', (job, err) => {
    logger.error({ job: job?.name, id: job?.id, err: err.message }, 'job failed');
    ctx.metrics?.jobFailed(job?.name ?? 'unknown');
  });
  return {
    queue,
    worker,
    close: async () => {
      await worker.close();
      await queue.close();
      connection.disconnect();
    },
  };
}
