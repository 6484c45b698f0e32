// `npm run workers`: Haven's background jobs as their own process.
import { ready } from '../crypto';
import { ConfigError, loadConfig } from '../server/config';
import { openAuditKeys, requireVouchedChain } from '../server/audit';
import { openDatabase } from '../server/db';
import { createLogger } from '../server/logger';
import { systemClock } from '../server/shared/clock';
import { Redis } from 'ioredis';
import { redisNotifier } from '../server/realtime/gateway';
import { startWorkers } from './runner';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.REDIS_URL) throw new ConfigError('invalid configuration — REDIS_URL: workers need Redis (e.g. redis://127.0.0.1:6379)');
  // Embedded PGlite is one process's database: a separate worker process needs a PostgreSQL server.
  if (!config.DATABASE_URL) {
    throw new ConfigError(
      'invalid configuration — DATABASE_URL: a separate worker process needs PostgreSQL; with the embedded database set HAVEN_RUN_WORKERS=true on the server instead',
    );
  }
  const logger = createLogger(config.LOG_LEVEL);
  await ready();
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.HAVEN_DATA_DIR });
  // The installation key, as the servers have it (HAVEN_INSTALLATION_SEED or the key file): the
  // jobs append to the audit chain and sign anchors. Never made here: a worker with a key of its own
  // would write a chain the servers' key does not verify.
  await openAuditKeys(database.db, config, { create: false, now: systemClock() });
  await requireVouchedChain({ db: database.db, config, clock: systemClock });
  // This process has no sockets: what the jobs tell users (a child's records destroyed, a
  // reminder) reaches them through the servers' rooms in Redis.
  const sockets = redisNotifier(new Redis(config.REDIS_URL, { lazyConnect: true }), config.HAVEN_QUEUE_PREFIX, logger);
  const workers = await startWorkers(
    { db: database.db, clock: systemClock, config, notifier: sockets.notifier },
    { redisUrl: config.REDIS_URL, prefix: config.HAVEN_QUEUE_PREFIX },
    logger,
  );
  logger.info('workers running');
  const stop = () => {
    void workers
      .close()
      .then(() => sockets.close())
      .then(() => database.close())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`Haven workers cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
