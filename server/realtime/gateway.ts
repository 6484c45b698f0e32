import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { registerShareEvents } from '../shares/messages.socket';
import type { Logger } from 'pino';
import { resolveSession } from '../accounts/sign-in.service';
import { sessionView } from '../accounts/session-view';
import type { SignedIn } from '../accounts/session-view';
import { DomainError, ForbiddenError, UnauthenticatedError } from '../errors';
import { canUseConversations } from '../policy';
import { isDatabaseUnavailable } from '../db/unavailable';
import { SESSION_COOKIE, readCookie } from '../http/cookies';
import { allowSameOriginOnly } from '../http/origin';
import { parseInput } from '../shared/parse-input';
import type { ServiceContext, SessionNotifier } from '../shared/context';
import { watchPeers } from './peer-watch';
import {
  clientEventSchemas,
  messageCopiesSchema,
  type AckError,
  type ClientToServerEvents,
  type InterServerEvents,
  type MessageCopies,
  type ServerToClientEvents,
} from './events';

type HavenServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents>;

/** Where and when an event came in. */
export interface EventOrigin {
  /** The client's network address (per-address rate limits). */
  address: string;
  /** `performance.now()` when the event arrived, for timing to the ack. */
  receivedAt: number;
  /** The connection it came on: what it causes need not be told back to it, its ack says so. */
  connectionId: string;
}

/** Registers a handler for a client event; it receives the parsed payload and where it came from, and its result becomes the ack. */
export type EventHandle = <E extends keyof ClientToServerEvents>(
  event: E,
  run: (signedIn: SignedIn, payload: z.infer<(typeof clientEventSchemas)[E]>, origin: EventOrigin) => Promise<object>,
) => void;
type HavenSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { sessionToken: string }>;

const userRoom = (userId: string) => `user:${userId}`;
const sessionRoom = (tokenHash: string) => `session:${tokenHash}`;

function ackError(error: unknown, logger: Logger): AckError {
  if (error instanceof DomainError) return { code: error.code, message: error.message };
  if (isDatabaseUnavailable(error)) {
    logger.warn('database unavailable');
    return { code: 'database_unavailable', message: 'Haven cannot reach its database just now. Nothing was saved; send again in a moment.' };
  }
  logger.error({ err: error }, 'socket handler failed');
  return { code: 'internal_error', message: 'Something went wrong on our side. Nothing was changed; try again.' };
}

/**
 * Socket.IO gateway. A connection is accepted only with a fully signed-in session cookie;
 * each event re-checks the session, so a socket outliving its session can do nothing.
 */
export function attachRealtime(
  httpServer: HttpServer,
  ctx: ServiceContext,
  logger: Logger,
  redis: Redis | null,
): { io: HavenServer; notifier: SessionNotifier; close: () => Promise<void> } {
  const io: HavenServer = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: 1_000_000,
    allowRequest: allowSameOriginOnly(ctx.config.PUBLIC_URL),
  });
  // Several server processes share rooms through Redis, so a message sent through one reaches
  // a recipient connected to another (no home-made clustering: DESIGN §2).
  const closeAdapter = redis ? shareRoomsThroughRedis(io, redis, ctx.config.HAVEN_QUEUE_PREFIX, logger, { hintOnReconnect: true }) : () => undefined;
  // A peer that died after acknowledging a message may have taken its copies with it: this
  // process's connections fetch what they missed (the copies are stored; only the push was lost).
  const peers = redis
    ? watchPeers(redis, ctx.config.HAVEN_QUEUE_PREFIX, logger, (peer) => {
        logger.warn({ peer }, 'a server process sharing the rooms went silent: telling this process’s connections to catch up');
        io.local.emit('sync:check', { reason: 'peer_lost' });
      })
    : null;

  io.use((socket: HavenSocket, next) => {
    const token = readCookie(socket.handshake.headers.cookie, SESSION_COOKIE);
    if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) {
      next(new Error('unauthorised'));
      return;
    }
    resolveSession(ctx, token).then(
      (signedIn) => {
        if (!signedIn || signedIn.stage !== 'active' || !canUseConversations(signedIn.actor).allow) {
          next(new Error('unauthorised'));
          return;
        }
        socket.data.sessionToken = token;
        void socket.join([userRoom(signedIn.actor.id), sessionRoom(signedIn.tokenHash)]);
        next();
      },
      (error: unknown) => {
        logger.error({ err: error }, 'socket authentication failed');
        next(new Error('unavailable'));
      },
    );
  });

  io.on('connection', (socket: HavenSocket) => {
    /** Validates the payload, re-resolves the session, runs the handler and always acks. */
    const handle: EventHandle = <E extends keyof ClientToServerEvents>(
      event: E,
      run: (signedIn: SignedIn, payload: z.infer<(typeof clientEventSchemas)[E]>, origin: EventOrigin) => Promise<object>,
    ) => {
      socket.on(event, ((payload: unknown, ack: unknown) => {
        const receivedAt = performance.now();
        if (typeof ack !== 'function') return; // every Haven event expects an ack; without one there is nobody to answer
        const reply = ack as (res: unknown) => void;
        void (async () => {
          try {
            // TypeScript cannot follow an indexed schema through a generic key: the schema for E parses to E's payload.
            const parsed = parseInput(clientEventSchemas[event], payload, `${event} payload`) as z.infer<(typeof clientEventSchemas)[E]>;
            const signedIn = await resolveSession(ctx, socket.data.sessionToken);
            if (!signedIn || signedIn.stage !== 'active') {
              socket.emit('session:ended', { reason: 'expired' });
              socket.disconnect(true);
              throw new UnauthenticatedError('session_ended', 'Your session has ended. Sign in again.');
            }
            const standing = canUseConversations(signedIn.actor);
            if (!standing.allow) {
              socket.emit('session:ended', { reason: 'suspended' });
              socket.disconnect(true);
              throw new ForbiddenError(standing.reason.code, standing.reason.message);
            }
            reply({ ok: true, ...(await run(signedIn, parsed, { address: socket.handshake.address, receivedAt, connectionId: socket.id })) });
          } catch (error) {
            reply({ ok: false, error: ackError(error, logger) });
          }
        })();
      }) as never);
    };

    handle('session:status', async (signedIn) => ({ sharing: (await sessionView(ctx, signedIn)).sharing }));
    registerShareEvents(handle, ctx);
    socket.onAny((event: unknown, ...args: unknown[]) => {
      // Own properties only: `'constructor' in clientEventSchemas` is true through Object.prototype.
      if (typeof event === 'string' && Object.hasOwn(clientEventSchemas, event)) return;
      const ack = args.at(-1);
      if (typeof ack === 'function')
        (ack as (res: unknown) => void)({ ok: false, error: { code: 'unknown_event', message: 'Haven does not know this event.' } });
    });
  });

  return {
    io,
    notifier: notifierOf(io, redis !== null),
    close: async () => {
      await peers?.stop();
      closeAdapter();
    },
  };
}

/**
 * Connects this Socket.IO server's rooms to every other process's through Redis; returns how to let go.
 * With `hintOnReconnect`, a connection to Redis that comes back after a break tells this process's
 * clients to catch up: what other processes published meanwhile never reached this one.
 */
function shareRoomsThroughRedis(io: HavenServer, redis: Redis, prefix: string, logger: Logger, { hintOnReconnect = false } = {}): () => void {
  // The health-check client refuses to queue commands while disconnected; the adapter's must queue and retry.
  // Publishes made in one turn of the event loop (a committed batch's notifications) leave in one write.
  // Named, so an operator reading CLIENT LIST sees which connections carry the rooms.
  const pub = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, enableAutoPipelining: true, connectionName: `${prefix}-rooms-pub` });
  const sub = redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, connectionName: `${prefix}-rooms-sub` });
  for (const client of [pub, sub]) client.on('error', (err: Error) => logger.warn({ err: err.message }, 'socket.io redis adapter connection problem'));
  catchSubscriptionFailures(sub, logger);
  if (hintOnReconnect) for (const client of [pub, sub]) hintAfterReconnection(io, client, logger);
  io.adapter(createAdapter(pub, sub, { key: `${prefix}-socket.io` }));
  io.on('share:copies', (copies: unknown) => {
    const parsed = messageCopiesSchema.safeParse(copies);
    if (parsed.success) emitCopiesHere(io, parsed.data as MessageCopies);
    else logger.warn({ problem: parsed.error.issues[0]?.message }, 'message copies from another server process were malformed and ignored');
  });
  return () => {
    pub.disconnect();
    sub.disconnect();
  };
}

/**
 * The adapter subscribes and unsubscribes without waiting for the answer, so a command still queued
 * when its connection closes (Redis unreachable, the process stopping) rejects with nobody to hear
 * it: an unhandled rejection. Each such promise is caught here; the failure is already reported as a
 * connection problem, and ioredis subscribes again by itself when the connection comes back.
 */
function catchSubscriptionFailures(client: Redis, logger: Logger): void {
  for (const name of ['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe'] as const) {
    const command = client[name].bind(client) as (...args: unknown[]) => Promise<unknown>;
    Object.defineProperty(client, name, {
      configurable: true,
      value: (...args: unknown[]) => {
        const answer = command(...args);
        answer.catch((err: unknown) =>
          logger.debug({ err: err instanceof Error ? err.message : String(err), command: name }, 'redis subscription command failed'),
        );
        return answer;
      },
    });
  }
}

/**
 * After a break in a connection to Redis, this process's clients are told to catch up: at once,
 * and once more a moment later, because the subscriber's `ready` comes as its subscriptions are
 * sent again, not when Redis has taken them (a copy published in between would still be missed).
 */
function hintAfterReconnection(io: HavenServer, client: Redis, logger: Logger): void {
  let broken = false;
  client.on('close', () => {
    broken = true;
  });
  client.on('ready', () => {
    if (!broken) return;
    broken = false;
    logger.warn('the connection to Redis came back: telling this process’s connections to catch up');
    io.local.emit('sync:check', { reason: 'redis_reconnected' });
    setTimeout(() => io.local.emit('sync:check', { reason: 'redis_reconnected' }), 2_000).unref();
  });
}

/** Each reader's copy to their connections on this process (`exceptConnection` is in a room of its own). */
function emitCopiesHere(io: HavenServer, { message, readers, exceptConnection }: MessageCopies): void {
  for (const [userId, seq] of readers) {
    const to = io.local.to(userRoom(userId));
    (exceptConnection ? to.except(exceptConnection) : to).emit('share:new', { ...message, seq });
  }
}

/**
 * Tells users' sockets, and ends sessions' sockets, wherever (through the adapter) they are
 * connected. A message's copies cross to the other processes as one server-side event, not one
 * broadcast per reader: each broadcast through Redis costs every process an encoding and a
 * decoding of the whole envelope.
 */
function notifierOf(io: HavenServer, sharedThroughRedis: boolean): SessionNotifier {
  return {
    toUsers(userIds, event, ...args) {
      if (userIds.length) io.to(userIds.map(userRoom)).emit(event, ...args);
    },
    messageCopies(copies) {
      emitCopiesHere(io, copies);
      if (sharedThroughRedis) io.serverSideEmit('share:copies', copies);
    },
    sessionsEnded(tokenHashes, reason) {
      for (const hash of tokenHashes) {
        io.to(sessionRoom(hash)).emit('session:ended', { reason });
        io.in(sessionRoom(hash)).disconnectSockets(true);
      }
    },
  };
}

/**
 * A notifier for a process with no sockets of its own (the separate worker process, the admin
 * command line): a Socket.IO server that listens nowhere, joined to the servers' rooms through
 * Redis, so what it tells users reaches them on whichever server they are connected to.
 */
export function redisNotifier(redis: Redis, prefix: string, logger: Logger): { notifier: SessionNotifier; close: () => Promise<void> } {
  const io: HavenServer = new Server();
  const closeAdapter = shareRoomsThroughRedis(io, redis, prefix, logger);
  return {
    notifier: notifierOf(io, true),
    close: async () => {
      // Let the last broadcasts leave before the connections close.
      await new Promise((resolve) => setTimeout(resolve, 100));
      closeAdapter();
    },
  };
}
