import { mkdirSync } from 'node:fs';
import { toBase64Url } from '../crypto';
import { Redis } from 'ioredis';
import { ready } from '../crypto';
import { createHaven } from './app';
import { openAuditKeys } from './audit';
import { ConfigError, loadConfig, type Config } from './config';
import { openDatabase } from './db';
import { webDist } from './http/static';
import { checkTrustRoots, orgRootKeyPath, readOrgRootKey, refuseKeyLogSeedInDatabase, type OrgRootKeys } from './trust-roots';
import { writeDemoFile } from './demo/demo-file';
import { seedDemo, type DemoAccount } from './demo/seed';
import { createLogger } from './logger';
import { systemClock } from './shared/clock';
import { silentNotifier } from './shared/context';
import { startWorkers } from '../workers/runner';

function readConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Haven cannot start: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

function printDemo(url: string, accounts: DemoAccount[], file: string): void {
  const lines = [
    '',
    `Haven demo is running at ${url}`,
    '',
    'Demo accounts (password, then the 6-digit code from an authenticator app set up with the secret,',
    'or run `npm run demo:codes` for the current codes):',
    ...accounts.map((a) =>
      [
        `  ${a.name} — ${a.role.replace('_', ' ')}${a.agency ? `, ${a.agency}` : ''}${a.verified ? '' : ' (waiting for verification; sets up two-factor on first sign-in)'}`,
        `      email ${a.email}   password ${a.password}${a.totpSecret ? `   two-factor secret ${a.totpSecret}` : ''}`,
      ].join('\n'),
    ),
    '',
    `These details are also saved in ${file}.`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * A demo started with --seed-demo certifies its admins itself when the org root key file is in the
 * data folder and is the trust roots' root. A real installation moves that file offline.
 */
function demoCertifier(config: Config, orgRootPublicKey: string | undefined): OrgRootKeys | undefined {
  const root = readOrgRootKey(orgRootKeyPath(config.HAVEN_DATA_DIR));
  return root && toBase64Url(root.publicKey) === orgRootPublicKey ? root : undefined;
}

async function main(): Promise<void> {
  const config = readConfigOrExit();
  const seedRequested = process.argv.includes('--seed-demo') || config.HAVEN_SEED_DEMO;
  const logger = createLogger(config.LOG_LEVEL);
  await ready();
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.HAVEN_DATA_DIR });
  // After the database: on a first embedded start, PGlite makes the data folder the key file goes in.
  const auditKeys = await openAuditKeys(database.db, config, { create: true, now: systemClock() });
  // The key log signs with a key from outside the database, the one the web client was built to trust.
  await refuseKeyLogSeedInDatabase(database.db);
  const trustRoots = checkTrustRoots(config, webDist);
  const demoOrgRoot = seedRequested ? demoCertifier(config, trustRoots?.orgRootPublicKey) : undefined;
  const redis = config.REDIS_URL ? new Redis(config.REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false }) : null;
  // A lost Redis connection is reported by /api/health; it must not crash the process.
  redis?.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection problem'));

  const haven = createHaven({ config, database, redis, logger, clock: systemClock, auditKeys, ...(demoOrgRoot && { demoOrgRoot }) });
  // Listening starts with an anchor of the audit chain's head, which after an upgrade vouches for
  // the entries written before the chain was keyed: before any job appends a keyed entry.
  const port = await haven.listen();
  const workers =
    config.HAVEN_RUN_WORKERS && config.REDIS_URL
      ? await startWorkers(
          { db: database.db, clock: systemClock, config, notifier: haven.notifier, metrics: haven.metrics },
          { redisUrl: config.REDIS_URL, prefix: config.HAVEN_QUEUE_PREFIX },
          logger,
        )
      : null;
  const url = config.PUBLIC_URL ?? `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}`;
  logger.info({ url, database: database.kind }, 'haven listening');
  // Before anything is printed: whoever reads the address may stop the server at once, and a stop must still anchor.
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    void (async () => {
      // Workers first (a job under way finishes), then the server, which anchors the audit chain's
      // head a last time, covering everything this process wrote, before the database closes.
      await workers?.close();
      await haven.close();
      redis?.disconnect();
      await database.close();
      process.exit(0);
    })();
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);

  if (seedRequested) {
    const ctx = { db: database.db, config, clock: systemClock, notifier: silentNotifier };
    const accounts = await seedDemo(ctx);
    if (accounts) {
      mkdirSync(config.HAVEN_DATA_DIR, { recursive: true });
      printDemo(url, accounts, writeDemoFile(config.HAVEN_DATA_DIR, accounts));
    } else {
      process.stdout.write(
        `\nHaven is running at ${url}\nThe database already has users, so no demo data was added. \`npm run demo:codes\` prints the demo sign-in details if this install was seeded.\n\n`,
      );
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Haven failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
