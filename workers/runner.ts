import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ServiceContext } from '../server/shared/context';
import { purgeExpired } from './housekeeping';
import { QUEUE_NAME, jobDefinitions, type JobName } from './jobs';
import { checkHandlers, type JobHandler } from './registry';

export interface RunningWorkers {
  queue: Queue;
  worker: Worker;
  close(): Promise<void>;
}

export function handlersFor(ctx: Pick<ServiceContext, 'db' | 'clock'>): [string, JobHandler][] {
  return [['housekeeping.purge-expired', purgeExpired(ctx)]];
}

/**
 * Starts Haven's BullMQ worker and (re)declares every schedule. Scheduler ids equal job names,
 * so restarting any number of times keeps exactly one schedule per job.
 */
export async function startWorkers(
  ctx: Pick<ServiceContext, 'db' | 'clock'>,
  options: { redisUrl: string; prefix?: string },
  logger: Logger,
): Promise<RunningWorkers> {
  const handlers = checkHandlers(handlersFor(ctx));
  // BullMQ workers block on Redis and must retry forever rather than fail a command.
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const prefix = options.prefix ?? 'haven';
  const queue = new Queue(QUEUE_NAME, { connection, prefix });
  for (const [name, definition] of Object.entries(jobDefinitions)) {
    await queue.upsertJobScheduler(name, { every: definition.every.ms }, { name, data: {}, opts: { removeOnComplete: 100, removeOnFail: 500 } });
  }
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
  worker.on('failed', (job, err) => logger.error({ job: job?.name, id: job?.id, err: err.message }, 'job failed'));
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
