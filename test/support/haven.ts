import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import { ready } from '../../crypto';
import { createHaven } from '../../server/app';
import { openAuditKeys } from '../../server/audit';
import type { RegisteredRoute } from '../../server/openapi/registered-routes';
import { loadConfig, type Config } from '../../server/config';
import { seedDemo, type DemoAccount } from '../../server/demo/seed';
import type { Clock } from '../../server/shared/clock';
import { silentNotifier, type ServiceContext } from '../../server/shared/context';
import { createTestDatabase, type TestDatabase } from './database';
import { quickTestPasswordHash } from './quick-password-hash';
import { ORG_ROOT_KEY_FORMAT, orgRootKeyPath, readOrgRootKey } from '../../server/trust-roots';
import { TEST_ORG_ROOT_SEED, TEST_TRUST_ENV } from './trust-roots';

export interface TestHaven {
  url: string;
  /** Starts another server process-equivalent on the same database and Redis (scale-out tests). */
  /** Another server process over the same database; with `withoutRedis`, one whose events never reach the others (a partitioned or dying peer). */
  addNode(options?: { withoutRedis?: boolean }): Promise<{ url: string; close(): Promise<void> }>;
  database: TestDatabase;
  /**
   * What another process needs to act on this installation (the command line, workers, a second
   * server): its database, its data folder (the audit anchor file) and its installation key.
   */
  env: Record<string, string>;
  /** This installation's data folder: a temporary directory of its own, removed on close. */
  dataDir: string;
  ctx: ServiceContext;
  demo: DemoAccount[];
  /** The demo account with this name (first name is enough). */
  account(name: string): DemoAccount;
  /** Every HTTP route the server registered (test/integration/openapi.test.ts). */
  httpRoutes(): RegisteredRoute[];
  close(): Promise<void>;
}

/** A controllable clock for tests: starts at real time and moves only when told. */
export class TestClock {
  private offsetMs = 0;
  readonly now: Clock = () => new Date(Date.now() + this.offsetMs);
  advanceDays(days: number): void {
    this.offsetMs += days * 86_400_000;
  }
  /** Past the current TOTP step, so the same person can sign in again. */
  advanceSeconds(seconds: number): void {
    this.offsetMs += seconds * 1_000;
  }
  /** Moves the clock to this instant (and on from there with real time). */
  setTo(instant: Date): void {
    this.offsetMs = instant.getTime() - Date.now();
  }
}

/**
 * A real Haven on a random port over its own fresh PostgreSQL database, optionally seeded
 * with the demo county. Redis is wired in when `redisUrl` is given; `logLines` collects every log line.
 */
export async function startTestHaven(
  options: {
    seedDemo?: boolean;
    /** Demo admins are certified by the (test) org root as they publish keys, as with `npm start`; default: when seeded. */
    certifyDemoAdmins?: boolean;
    clock?: Clock;
    env?: Record<string, string>;
    redisUrl?: string;
    logLines?: string[];
  } = {},
): Promise<TestHaven> {
  await ready();
  const database = await createTestDatabase();
  // Each installation gets its own key and data folder, so no test writes into ./data and no two
  // installations share a key.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'haven-test-'));
  // The test-only trust roots (test/fixtures/README.md): the key log signs with the key the test web
  // build trusts, and the org root key file sits in the data folder as after `trust init`.
  const env = { DATABASE_URL: database.url, HAVEN_DATA_DIR: dataDir, HAVEN_INSTALLATION_SEED: database.installationSeed, ...TEST_TRUST_ENV, ...options.env };
  writeFileSync(orgRootKeyPath(dataDir), JSON.stringify({ format: ORG_ROOT_KEY_FORMAT, seed: TEST_ORG_ROOT_SEED, createdAt: new Date().toISOString() }), {
    mode: 0o600,
  });
  const demoOrgRoot = (options.certifyDemoAdmins ?? options.seedDemo) ? (readOrgRootKey(orgRootKeyPath(dataDir)) ?? undefined) : undefined;
  const config: Config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ...env });
  const clock = options.clock ?? (() => new Date());
  const redis = options.redisUrl ? new Redis(options.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false }) : null;
  redis?.on('error', () => undefined);
  // Give a reachable Redis a moment to connect, so health reflects it; an unreachable one just stays down.
  if (redis) await Promise.race([new Promise((resolve) => redis.once('ready', resolve)), new Promise((resolve) => setTimeout(resolve, 1_000))]);
  const auditKeys = await openAuditKeys(database.handle.db, config, { create: false, now: new Date() });
  const haven = createHaven({
    config,
    auditKeys,
    ...(demoOrgRoot && { demoOrgRoot }),
    database: database.handle,
    redis,
    logger: options.logLines ? pino({ level: 'trace' }, { write: (line: string) => void options.logLines?.push(line) }) : pino({ level: 'silent' }),
    clock,
  });
  const port = await haven.listen();
  const ctx: ServiceContext = { db: database.handle.db, config, clock, notifier: silentNotifier, ...(demoOrgRoot && { demoOrgRoot }) };
  const demo = options.seedDemo ? ((await seedDemo(ctx, { hashPassword: quickTestPasswordHash })) ?? []) : [];
  const nodes: { close(): Promise<void> }[] = [];
  return {
    url: `http://127.0.0.1:${port}`,
    addNode: async ({ withoutRedis = false } = {}) => {
      const nodeRedis = options.redisUrl && !withoutRedis ? new Redis(options.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false }) : null;
      nodeRedis?.on('error', () => undefined);
      const node = createHaven({
        config,
        auditKeys,
        ...(demoOrgRoot && { demoOrgRoot }),
        database: database.handle,
        redis: nodeRedis,
        logger: pino({ level: 'silent' }),
        clock,
      });
      const nodePort = await node.listen();
      let closed = false;
      const handle = {
        close: async () => {
          if (closed) return;
          closed = true;
          await node.close();
          nodeRedis?.disconnect();
        },
      };
      nodes.push(handle);
      return { url: `http://127.0.0.1:${nodePort}`, ...handle };
    },
    database,
    env,
    dataDir,
    ctx,
    demo,
    httpRoutes: () => haven.httpRoutes(),
    account(name) {
      const found = demo.find((a) => a.name === name || a.name.split(' ')[0] === name);
      if (!found) throw new Error(`no demo account named ${name}`);
      return found;
    },
    close: async () => {
      for (const node of nodes) await node.close();
      await haven.close();
      redis?.disconnect();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
