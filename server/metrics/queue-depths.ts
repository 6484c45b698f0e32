import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUE_NAME } from '../../workers/jobs';

export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

export interface QueueDepths {
  /** Job counts of Haven's queue by state; rejects when Redis does not answer in time. */
  read(timeoutMs: number): Promise<{ queue: string; counts: Record<QueueState, number> }>;
  /** The ids of the job schedulers Redis holds (Haven's are the job names); rejects when Redis does not answer in time. */
  schedulers(timeoutMs: number): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Reads the job queue's depth through BullMQ, from whichever process scrapes (the workers may
 * run elsewhere). The queue handle is made on first use over its own connection, which
 * fails commands at once while Redis is down rather than queueing them behind a scrape.
 */
export function queueDepths(redis: Redis, prefix: string): QueueDepths {
  let opened: { queue: Queue; connection: Redis } | null = null;
  const open = () => {
    if (opened) return opened.queue;
    const connection = redis.duplicate({ maxRetriesPerRequest: 1, enableOfflineQueue: false });
    // Redis being down is reported by /api/health and by the scrape-error gauge, not by every reconnect attempt.
    connection.on('error', () => undefined);
    const queue = new Queue(QUEUE_NAME, { connection, prefix });
    queue.on('error', () => undefined);
    opened = { queue, connection };
    return queue;
  };
  const within = async <T>(work: Promise<T>, timeoutMs: number): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        work,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('reading the queue timed out')), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    read: async (timeoutMs) => {
      const counts = await within(open().getJobCounts(...QUEUE_STATES), timeoutMs);
      return { queue: QUEUE_NAME, counts: Object.fromEntries(QUEUE_STATES.map((s) => [s, counts[s] ?? 0])) as Record<QueueState, number> };
    },
    schedulers: async (timeoutMs) => (await within(open().getJobSchedulers(), timeoutMs)).map((s) => s.key),
    close: async () => {
      if (!opened) return;
      const { queue, connection } = opened;
      opened = null;
      // Disconnecting first lets a queue still waiting for a Redis that never came up finish closing.
      connection.disconnect();
      await queue.close().catch(() => undefined);
    },
  };
}
