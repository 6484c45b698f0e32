import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config';
import type { OutboxWaker, QueuedNotice } from '../shared/context';

/** Mail has a queue of its own: a long retention run on the main queue must not hold up a sign-in notice. */
export const MAIL_QUEUE_NAME = 'haven-mail';
export const MAIL_SEND_JOB = 'mail.send';

/**
 * One job per outbox notice, its id the notice's: adding it again while it waits is a no-op, so
 * the wake-up after commit and the sweep can both add it. Jobs leave Redis when they end; the row
 * keeps the record. BullMQ's retries follow the row's own backoff (workers/mail.ts).
 */
export function mailJobs(notices: QueuedNotice[], now: Date, config: Pick<Config, 'HAVEN_MAIL_MAX_ATTEMPTS'>) {
  const opts = (n: QueuedNotice): JobsOptions => ({
    jobId: n.id,
    delay: Math.max(0, n.notBefore.getTime() - now.getTime()),
    // A few more than the row allows: the row decides when to give up; these cover a database hiccup.
    attempts: config.HAVEN_MAIL_MAX_ATTEMPTS + 3,
    backoff: { type: 'outbox' },
    removeOnComplete: true,
    removeOnFail: true,
  });
  return notices.map((n) => ({ name: MAIL_SEND_JOB, data: { outboxId: n.id }, opts: opts(n) }));
}

export interface MailQueue extends OutboxWaker {
  /** Adds the jobs and waits for Redis to take them (the sweep wants to know). */
  add(notices: QueuedNotice[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The mail queue over a connection of its own, opened on first use. From a server process the
 * connection fails commands at once while Redis is down: a wake-up is best effort, never a wait.
 */
export function mailQueue(redis: Redis, options: { prefix: string; config: Config; clock: () => Date; onError?: (error: unknown) => void }): MailQueue {
  let opened: { queue: Queue; connection: Redis } | null = null;
  const open = () => {
    if (opened) return opened.queue;
    // Queued while connecting (the first wake-up may come before the connection is up), given up after one retry.
    const connection = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: 1 });
    connection.on('error', () => undefined);
    const queue = new Queue(MAIL_QUEUE_NAME, { connection, prefix: options.prefix });
    queue.on('error', () => undefined);
    opened = { queue, connection };
    return queue;
  };
  const add = async (notices: QueuedNotice[]) => {
    if (notices.length) await open().addBulk(mailJobs(notices, options.clock(), options.config));
  };
  // Wake-ups still on their way, so that closing (a command line's end) lets them arrive first.
  const pending = new Set<Promise<void>>();
  return {
    add,
    wake: (notices) => {
      const woken = add(notices).catch((error: unknown) => options.onError?.(error));
      pending.add(woken);
      void woken.finally(() => pending.delete(woken));
    },
    close: async () => {
      await Promise.allSettled([...pending]);
      if (!opened) return;
      const { queue, connection } = opened;
      opened = null;
      await queue.close().catch(() => undefined);
      connection.disconnect();
    },
  };
}
