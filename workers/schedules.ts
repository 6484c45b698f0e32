import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { countRedeclared, recordSchedule } from '../server/jobs';
import { JOB_NAMES, jobDefinitions, type JobName } from './jobs';
import type { WorkerContext } from './runner';

/** A schedule's interval: the configured one for the obligations and mail sweeps, the job's own otherwise. */
export function intervalOf(name: JobName, ctx: Pick<WorkerContext, 'config'>): number {
  if (name === 'obligations.sweep') return ctx.config.HAVEN_OBLIGATION_SWEEP_SECONDS * 1000;
  if (name === 'mail.sweep') return ctx.config.HAVEN_MAIL_SWEEP_SECONDS * 1000;
  return jobDefinitions[name].every.ms;
}

async function declare(queue: Queue, name: JobName, ctx: WorkerContext): Promise<void> {
  const every = intervalOf(name, ctx);
  await queue.upsertJobScheduler(name, { every }, { name, data: {}, opts: { removeOnComplete: 100, removeOnFail: 500 } });
  await recordSchedule(ctx.db, name, every, ctx.clock());
}

/** Declares every schedule. Scheduler ids equal job names, so declaring again keeps exactly one schedule per job. */
export async function declareSchedules(queue: Queue, ctx: WorkerContext): Promise<void> {
  for (const name of JOB_NAMES) await declare(queue, name, ctx);
}

/**
 * Keeps the schedules in Redis. A flushed or failed-over Redis, or an evicted key, loses them
 * without the connection ever dropping (so no `ready` event says so): the worker looks every
 * `checkEveryMs`, and at once after any Redis error, and declares again whatever is missing,
 * warning once per loss and counting it in the database (`job_runs.redeclared`, the metric
 * haven_job_schedules_redeclared). PostgreSQL decides what a job does, so a late sweep only
 * catches up: nothing is lost or done twice.
 */
export function watchSchedules(queue: Queue, ctx: WorkerContext, logger: Logger, checkEveryMs: number): { check(): Promise<void>; stop(): void } {
  const missingBefore = new Set<JobName>();
  let running: Promise<void> | null = null;
  const run = async () => {
    const present = new Set((await queue.getJobSchedulers()).map((s) => s.key));
    for (const name of JOB_NAMES) {
      if (present.has(name)) {
        missingBefore.delete(name);
        continue;
      }
      if (!missingBefore.has(name)) logger.warn({ job: name }, 'a job schedule was missing from Redis: declaring it again');
      missingBefore.add(name);
      await declare(queue, name, ctx);
      await countRedeclared(ctx.db, name);
    }
  };
  // One check at a time: a burst of Redis errors must not start a burst of checks.
  const check = () => {
    running ??= run()
      .catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not check the job schedules'))
      .finally(() => (running = null));
    return running;
  };
  const timer = setInterval(() => void check(), checkEveryMs);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
