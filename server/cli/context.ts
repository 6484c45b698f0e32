import { ready } from '../../crypto';
import { loadConfig } from '../config';
import { openAuditKeys, requireVouchedChain } from '../audit';
import { openDatabase } from '../db';
import { systemClock } from '../shared/clock';
import { Redis } from 'ioredis';
import { createLogger } from '../logger';
import { redisNotifier } from '../realtime/gateway';
import { mailQueue } from '../notifications/mail-queue';
import { silentNotifier, type ServiceContext } from '../shared/context';

/**
 * The server's configuration and database (migrated, as the server would), for one command.
 * With REDIS_URL, what the command tells users (a suspension ending their sessions, records
 * destroyed) reaches their sockets on the servers through Redis; without it (a single server on
 * the embedded database), they learn at their next request.
 */
export async function withServiceContext<T>(work: (ctx: ServiceContext) => Promise<T>, env: Record<string, string | undefined> = process.env): Promise<T> {
  const config = loadConfig(env);
  await ready();
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.HAVEN_DATA_DIR });
  try {
    // What commands append to the audit chain is keyed like the server's entries; a new
    // installation's first command (create-admin) may make the key file, as a first start would.
    await openAuditKeys(database.db, config, { create: true, now: systemClock() });
    await requireVouchedChain({ db: database.db, config, clock: systemClock });
  } catch (error) {
    await database.close();
    throw error;
  }
  const sockets = config.REDIS_URL
    ? redisNotifier(new Redis(config.REDIS_URL, { lazyConnect: true }), config.HAVEN_QUEUE_PREFIX, createLogger('silent'))
    : null;
  // Notices a command queues (a suspension) wake the mail worker now; without Redis the sweep finds them.
  const outbox = config.REDIS_URL
    ? mailQueue(new Redis(config.REDIS_URL, { lazyConnect: true }), { prefix: config.HAVEN_QUEUE_PREFIX, config, clock: systemClock })
    : null;
  try {
    return await work({ db: database.db, config, clock: systemClock, notifier: sockets?.notifier ?? silentNotifier, ...(outbox && { outbox }) });
  } finally {
    await outbox?.close();
    await sockets?.close();
    await database.close();
  }
}
