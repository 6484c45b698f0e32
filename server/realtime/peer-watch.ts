import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** How often a process says it is alive, and how long after its last word it counts as gone. */
export const PEER_BEAT_MS = 1_000;
export const PEER_TIMEOUT_MS = 3_000;

const registryKey = (prefix: string) => `${prefix}:realtime:processes`;
const aliveKey = (prefix: string, id: string) => `${prefix}:realtime:process:${id}`;

/**
 * Server processes that share rooms through Redis watch each other. A process that dies after
 * acknowledging a message, but before its copies crossed Redis, leaves that message stored and
 * never pushed; no reader on another process would see it until they reconnected. Each process
 * says it is alive every second (a key that expires after three); a peer seen alive on the last
 * look whose key has since gone — killed, hung, cut off, or after a flushed Redis — is reported
 * to `onPeerLost`, once, so the survivor can tell its own connections to catch up.
 *
 * A look that fails (Redis unreachable from here) concludes nothing: this process is the one cut
 * off, and the adapter's reconnection tells its connections to catch up instead.
 */
export function watchPeers(
  redis: Redis,
  prefix: string,
  logger: Logger,
  onPeerLost: (peerId: string) => void,
  timing: { beatMs: number; timeoutMs: number } = { beatMs: PEER_BEAT_MS, timeoutMs: PEER_TIMEOUT_MS },
): { id: string; stop: () => Promise<void> } {
  const id = randomUUID();
  let alive = new Set<string>();
  let looking = false;
  let stopped = false;

  async function look(): Promise<void> {
    const [, , members] = (await redis
      .multi()
      .set(aliveKey(prefix, id), '1', 'PX', timing.timeoutMs)
      .sadd(registryKey(prefix), id)
      .smembers(registryKey(prefix))
      .exec()) as [Error | null, unknown][];
    const others = ((members?.[1] as string[] | undefined) ?? []).filter((m) => m !== id);
    const beats = others.length ? await redis.mget(others.map((m) => aliveKey(prefix, m))) : [];
    const nowAlive = new Set(others.filter((_, i) => beats[i] !== null));
    const gone = others.filter((m) => !nowAlive.has(m));
    for (const peer of alive) if (!nowAlive.has(peer)) onPeerLost(peer);
    if (gone.length) await redis.srem(registryKey(prefix), ...gone);
    alive = nowAlive;
  }

  const timer = setInterval(() => {
    if (looking || stopped) return;
    looking = true;
    look()
      .catch((error: unknown) => logger.debug({ err: error instanceof Error ? error.message : String(error) }, 'could not look for peer processes'))
      .finally(() => {
        looking = false;
      });
  }, timing.beatMs);
  timer.unref();

  return {
    id,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      // Leaving on purpose: the peers see it go at their next look, which costs their clients one catch-up.
      await redis
        .multi()
        .del(aliveKey(prefix, id))
        .srem(registryKey(prefix), id)
        .exec()
        .catch(() => undefined);
    },
  };
}
