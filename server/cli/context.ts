import { ready } from '../../crypto';
import { loadConfig } from '../config';
import { openDatabase } from '../db';
import { systemClock } from '../shared/clock';
import { silentNotifier, type ServiceContext } from '../shared/context';

/** The server's configuration and database (migrated, as the server would), for one command. */
export async function withServiceContext<T>(work: (ctx: ServiceContext) => Promise<T>, env: Record<string, string | undefined> = process.env): Promise<T> {
  const config = loadConfig(env);
  await ready();
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.HAVEN_DATA_DIR });
  try {
    // No sockets here: clients connected to the server are not told (as with a separate worker process).
    return await work({ db: database.db, config, clock: systemClock, notifier: silentNotifier });
  } finally {
    await database.close();
  }
}
