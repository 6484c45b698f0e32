import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Database } from '../db';
import { countOverdueObligations } from '../offending/obligations.store';
import { retentionTotals } from '../retention/retention.store';
import { listJobRuns } from '../jobs';
import { MAIL_STATUSES } from '../db/schema';
import { outboxTotals } from '../notifications/outbox.store';
import type { Clock } from '../shared/clock';
import { JOB_NAMES } from '../../workers/jobs';
import { queueDepths, type QueueDepths } from './queue-depths';
import type { ServiceMetrics } from './service-metrics';

/** How long a scrape waits for PostgreSQL or Redis before reporting that source as failed. */
const SOURCE_TIMEOUT_MS = 2_000;

export interface MetricSources {
  db: Database;
  clock: Clock;
  redis: Redis | null;
  queuePrefix: string;
  logger: Logger;
}

export interface HavenRegistry {
  registry: Registry;
  service: ServiceMetrics;
  /** Counts connected sockets on each scrape (set once the realtime gateway exists). */
  countSocketsWith(count: () => number): void;
  /** Reads the gauges that live in PostgreSQL and Redis, then renders every metric. */
  scrape(): Promise<string>;
  close(): Promise<void>;
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), SOURCE_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * One server's metrics in its own registry (several servers in one process — tests, scale-out
 * nodes — must not share prom-client's global one).
 *
 * Counters that only this process can see (shares, send→ack latency, job failures of
 * in-process workers) are kept in memory. Everything else is read from the source of truth
 * at scrape time: retention runs and overdue obligations from PostgreSQL, because retention
 * and the deadline sweep may run in a separate worker process, a restart must not reset them,
 * and every server reports the same figures (aggregate them with max, not sum); queue depths
 * from Redis for the same reason.
 */
export function createHavenRegistry(sources: MetricSources): HavenRegistry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'haven_' });

  let countSockets: () => number = () => 0;
  new Gauge({
    name: 'haven_connected_sockets',
    help: 'Signed-in Socket.IO connections to this server process.',
    registers: [registry],
    collect() {
      this.set(countSockets());
    },
  });
  const shares = new Counter({
    name: 'haven_shares_total',
    help: 'Attempts to record a share, by kind and outcome; a rejection carries the class of its error as reason.',
    labelNames: ['kind', 'outcome', 'reason'] as const,
    registers: [registry],
  });
  const sendAck = new Histogram({
    name: 'haven_send_ack_seconds',
    help: 'Time from receiving a share:send event to sending its acknowledgement.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const jobFailures = new Counter({
    name: 'haven_job_failures_total',
    help: 'Background jobs that failed in workers running inside this server process (HAVEN_RUN_WORKERS).',
    labelNames: ['job'] as const,
    registers: [registry],
  });
  const queueJobs = new Gauge({
    name: 'haven_queue_jobs',
    help: 'Jobs in a BullMQ queue by state, read from Redis at scrape (failed jobs are kept up to the last 500).',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
  });
  const retentionRuns = new Gauge({
    name: 'haven_retention_runs',
    help: 'Retention runs recorded in the database, by dry run and status.',
    labelNames: ['dry_run', 'status'] as const,
    registers: [registry],
  });
  const retentionLastFinished = new Gauge({
    name: 'haven_retention_last_finished_timestamp_seconds',
    help: 'When the last retention run (or dry run) finished, in Unix seconds.',
    labelNames: ['dry_run'] as const,
    registers: [registry],
  });
  const childrenDestroyed = new Gauge({
    name: 'haven_retention_children_destroyed',
    help: 'Children whose records retention has destroyed (tombstones in the database); only ever grows.',
    registers: [registry],
  });
  const overdue = new Gauge({
    name: 'haven_obligations_overdue',
    help: 'Open obligations to file a written record that are past their deadline.',
    registers: [registry],
  });
  const jobLastFinished = new Gauge({
    name: 'haven_job_last_finished_timestamp_seconds',
    help: 'When each background job last finished, in Unix seconds (from the record workers keep in the database; absent until it first finishes).',
    labelNames: ['job'] as const,
    registers: [registry],
  });
  const jobRedeclared = new Gauge({
    name: 'haven_job_schedules_redeclared',
    help: 'How many times a worker found a job schedule missing from Redis (a flush, a failover) and declared it again; only ever grows.',
    labelNames: ['job'] as const,
    registers: [registry],
  });
  const mailOutbox = new Gauge({
    name: 'haven_mail_outbox',
    help: 'E-mail notices in the outbox by status (queued, sending, sent, failed, skipped); sent and skipped ones are kept 30 days.',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const mailOldestQueued = new Gauge({
    name: 'haven_mail_outbox_oldest_queued_seconds',
    help: 'Age of the oldest e-mail notice still queued (0 when none is): it grows while the SMTP server or the mail worker is down.',
    registers: [registry],
  });
  const scrapeErrors = new Gauge({
    name: 'haven_metrics_scrape_errors',
    help: 'Whether reading a source failed during the last scrape (1) or not (0); its metrics are then left out.',
    labelNames: ['source'] as const,
    registers: [registry],
  });

  const queues: QueueDepths | null = sources.redis ? queueDepths(sources.redis, sources.queuePrefix) : null;

  /** Reads one source; on failure its gauges are cleared rather than left showing stale figures. */
  async function refresh(source: 'database' | 'queue', read: () => Promise<void>, clear: () => void): Promise<void> {
    try {
      await withTimeout(read());
      scrapeErrors.set({ source }, 0);
    } catch (error) {
      clear();
      scrapeErrors.set({ source }, 1);
      sources.logger.warn({ source, err: error instanceof Error ? error.message : String(error) }, 'metrics source unavailable');
    }
  }

  const readDatabase = async () => {
    const [totals, overdueNow, jobs, mail] = await Promise.all([
      retentionTotals(sources.db),
      countOverdueObligations(sources.db, sources.clock()),
      listJobRuns(sources.db),
      outboxTotals(sources.db),
    ]);
    // Every status is shown, a zero included, so an alert on failed > 0 has a series to watch.
    for (const status of MAIL_STATUSES) mailOutbox.set({ status }, mail.byStatus.find((b) => b.status === status)?.n ?? 0);
    mailOldestQueued.set(mail.oldestQueuedAt ? Math.max(0, (sources.clock().getTime() - mail.oldestQueuedAt.getTime()) / 1000) : 0);
    jobLastFinished.reset();
    jobRedeclared.reset();
    for (const job of jobs) {
      if (job.lastFinishedAt) jobLastFinished.set({ job: job.name }, job.lastFinishedAt.getTime() / 1000);
      jobRedeclared.set({ job: job.name }, job.redeclared);
    }
    retentionRuns.reset();
    retentionLastFinished.reset();
    const lastFinished = new Map<string, number>();
    for (const run of totals.runs) {
      const dryRun = String(run.dryRun);
      retentionRuns.set({ dry_run: dryRun, status: run.status }, run.count);
      // A kind of run has a row per status: keep its latest finish.
      const finished = run.lastFinishedAt ? run.lastFinishedAt.getTime() / 1000 : 0;
      if (finished > (lastFinished.get(dryRun) ?? 0)) lastFinished.set(dryRun, finished);
    }
    for (const [dryRun, seconds] of lastFinished) retentionLastFinished.set({ dry_run: dryRun }, seconds);
    childrenDestroyed.set(totals.childrenDestroyed);
    overdue.set(overdueNow);
  };
  const clearDatabase = () => {
    jobLastFinished.reset();
    jobRedeclared.reset();
    retentionRuns.reset();
    retentionLastFinished.reset();
    childrenDestroyed.reset();
    overdue.reset();
    mailOutbox.reset();
    mailOldestQueued.reset();
  };

  return {
    registry,
    service: {
      share: (kind, outcome, reason) => shares.inc(reason ? { kind, outcome, reason } : { kind, outcome }),
      sendAcked: (seconds) => sendAck.observe(seconds),
      // A job name is one of Haven's own; anything else is folded into one value to keep the label bounded.
      jobFailed: (job) => jobFailures.inc({ job: (JOB_NAMES as string[]).includes(job) ? job : 'unknown' }),
    },
    countSocketsWith(count) {
      countSockets = count;
    },
    scrape: async () => {
      await Promise.all([
        refresh('database', readDatabase, clearDatabase),
        queues
          ? refresh(
              'queue',
              async () => {
                const { queue, counts } = await queues.read(SOURCE_TIMEOUT_MS);
                for (const [state, n] of Object.entries(counts)) queueJobs.set({ queue, state }, n);
              },
              () => queueJobs.reset(),
            )
          : Promise.resolve(),
      ]);
      return registry.metrics();
    },
    close: async () => {
      await queues?.close();
    },
  };
}
