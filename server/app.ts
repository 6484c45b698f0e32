import { createServer, type Server as HttpServer } from 'node:http';
import express from 'express';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import { accountGuards } from './accounts/account-guards';
import { accountRoutes } from './accounts/accounts.routes';
import { passkeyRoutes } from './accounts/passkeys.routes';
import { userRoutes } from './accounts/users.routes';
import { mfaRecoveryRoutes } from './accounts/mfa-recovery.routes';
import { agencyRoutes } from './agencies/agencies.routes';
import { auditRoutes } from './audit/audit.routes';
import { anchorSchedule, bindAuditKeys, type AuditKeys } from './audit';
import { childrenRoutes } from './children/children.routes';
import { shareRoutes } from './shares/shares.routes';
import { keyRoutes } from './keys/keys.routes';
import { adminCertificateRoutes } from './admin-certificates';
import type { OrgRootKeys } from './trust-roots';
import { threadRoutes } from './shares/threads.routes';
import { attachmentRoutes } from './attachments';
import { offendingRoutes } from './offending/offending.routes';
import { retentionRoutes } from './retention/retention.routes';
import { subjectAccessRoutes } from './subject-access/subject-access.routes';
import { integrityRoutes } from './integrity/integrity.routes';
import { notificationRoutes } from './notifications/notifications.routes';
import { mailQueue } from './notifications/mail-queue';
import { servesHttps, type Config } from './config';
import type { DatabaseHandle } from './db';
import { requireCsrfToken } from './http/csrf';
import { errorHandler, notFoundApi } from './http/error-handler';
import { healthHandler, type HealthProbe } from './http/health';
import { requestLog } from './http/request-log';
import { securityHeaders } from './http/security';
import { loadSession } from './http/session';
import { requireStanding } from './http/standing';
import { rejectNulCharacters } from './http/nul-guard';
import { webClient } from './http/static';
import { attachRealtime } from './realtime/gateway';
import { apiDocsRoutes } from './openapi/openapi.routes';
import { registeredRoutes, type RegisteredRoute } from './openapi/registered-routes';
import { createMetrics, type ServiceMetrics } from './metrics';
import { queueDepths } from './metrics/queue-depths';
import { jobsHealth } from './jobs';
import type { Clock } from './shared/clock';
import type { ServiceContext, SessionNotifier } from './shared/context';

export interface HavenDependencies {
  config: Config;
  database: DatabaseHandle;
  redis: Redis | null;
  logger: Logger;
  clock: Clock;
  /** The installation key's audit keys (`openAuditKeys`): appends to the chain are keyed, anchors signed with them. */
  auditKeys: AuditKeys;
  /** Demo installs only: the org root key, so demo admins are certified as they publish keys (server/main.ts). */
  demoOrgRoot?: OrgRootKeys;
}

export interface Haven {
  httpServer: HttpServer;
  /** Tells connected clients about events (used by workers running inside the server). */
  notifier: SessionNotifier;
  /** Counters for /metrics, for workers running inside the server (a no-op when metrics are off). */
  metrics: ServiceMetrics;
  /** Every HTTP route registered, as Express has it; test/integration/openapi.test.ts checks each is documented. */
  httpRoutes(): RegisteredRoute[];
  /** Anchors the audit chain's head, starts anchoring it every few minutes, and starts listening; resolves with the bound port (useful with PORT=0). */
  listen(): Promise<number>;
  /** Stops serving, then anchors the audit chain's head a last time. */
  close(): Promise<void>;
}

/** Wires the domains to HTTP and Socket.IO. Starts nothing until `listen()`. */
export function createHaven(deps: HavenDependencies): Haven {
  const { config, database, redis, logger } = deps;
  bindAuditKeys(database.db, deps.auditKeys);
  const anchoring = anchorSchedule({ db: database.db, config, clock: deps.clock }, (error) =>
    logger.error({ err: error instanceof Error ? error.message : String(error) }, 'could not anchor the audit chain'),
  );
  // The realtime gateway is created after the context; services reach it through this forwarder.
  const realtimeNotifier: { current?: SessionNotifier } = {};
  const metrics = createMetrics(config, { db: database.db, clock: deps.clock, redis, logger });
  // Notices committed here wake the mail worker at once; without Redis no worker runs to send them.
  const outbox = redis
    ? mailQueue(redis, {
        prefix: config.HAVEN_QUEUE_PREFIX,
        config,
        clock: deps.clock,
        onError: (error) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not wake the mail worker (the sweep will)'),
      })
    : null;
  const ctx: ServiceContext = {
    db: database.db,
    config,
    clock: deps.clock,
    metrics: metrics.service,
    ...(outbox && { outbox }),
    ...(deps.demoOrgRoot && { demoOrgRoot: deps.demoOrgRoot }),
    notifier: {
      sessionsEnded: (hashes, reason) => realtimeNotifier.current?.sessionsEnded(hashes, reason),
      toUsers: (userIds, event, ...args) => realtimeNotifier.current?.toUsers(userIds, event, ...args),
      messageCopies: (copies) => realtimeNotifier.current?.messageCopies(copies),
    },
  };

  // Argon2id in worker threads, and the counters of sign-in and registration attempts.
  const guards = accountGuards(database.db, config, logger);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.HAVEN_TRUST_PROXY);
  app.use(requestLog(logger));
  app.use(securityHeaders(servesHttps(config)));

  const probes: HealthProbe[] = [{ name: 'database', check: () => database.ping() }];
  if (redis) probes.push({ name: 'redis', check: async () => void (await redis.ping()) });
  // With Redis, workers are expected to keep their schedules and run them (docs/metrics.md).
  const queues = redis ? queueDepths(redis, config.HAVEN_QUEUE_PREFIX) : null;
  const checks = queues ? [jobsHealth({ db: database.db, clock: deps.clock, readSchedulers: () => queues.schedulers(2_000) })] : [];
  app.get('/api/health', healthHandler(probes, redis ? [] : ['redis'], checks));
  // Outside /api: a scraper has a bearer token, not a session or a CSRF token.
  app.get('/metrics', metrics.handler);

  const api = express.Router();
  api.use(express.json({ limit: '100kb' }));
  api.use(rejectNulCharacters);
  api.use(requireCsrfToken);
  api.use(loadSession(ctx));
  api.use(requireStanding);
  api.use(accountRoutes(ctx, guards));
  api.use(passkeyRoutes(ctx, guards));
  api.use(agencyRoutes(ctx));
  api.use(userRoutes(ctx));
  api.use(mfaRecoveryRoutes(ctx, guards));
  api.use(auditRoutes(ctx));
  api.use(childrenRoutes(ctx));
  api.use(shareRoutes(ctx));
  api.use(keyRoutes(ctx));
  api.use(adminCertificateRoutes(ctx));
  api.use(threadRoutes(ctx));
  api.use(attachmentRoutes(ctx));
  api.use(offendingRoutes(ctx));
  api.use(retentionRoutes(ctx));
  api.use(subjectAccessRoutes(ctx));
  api.use(integrityRoutes(ctx));
  api.use(notificationRoutes(ctx));
  api.use(apiDocsRoutes());
  api.use(notFoundApi);
  app.use('/api', api);
  app.use(webClient());
  app.use(errorHandler(logger));

  const httpServer = createServer(app);
  const realtime = attachRealtime(httpServer, ctx, logger, redis);
  realtimeNotifier.current = realtime.notifier;
  metrics.countSocketsWith(() => realtime.io.of('/').sockets.size);

  return {
    httpServer,
    notifier: ctx.notifier,
    metrics: metrics.service,
    httpRoutes: () => registeredRoutes(app),
    listen: async () => {
      await anchoring.start();
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.PORT, config.HOST, () => {
          const address = httpServer.address();
          resolve(typeof address === 'object' && address ? address.port : config.PORT);
        });
      });
    },
    close: async () => {
      await realtime.io.close();
      await realtime.close();
      await metrics.close();
      await queues?.close();
      await outbox?.close();
      // Hashing first: sign-ins still waiting for a worker are answered 503 at once, rather than holding the close for seconds.
      await guards.close();
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      // After the last request: the anchor covers everything this process wrote.
      await anchoring.stop();
    },
  };
}
