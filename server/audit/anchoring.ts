import type { Config } from '../config';
import { anchorAuditHead, type AnchorContext } from './anchors';

export interface AnchorSchedule {
  /** Anchors the head now, then every HAVEN_AUDIT_ANCHOR_SECONDS. */
  start(): Promise<void>;
  /** Stops the schedule and anchors the head one last time (at shutdown). */
  stop(): Promise<void>;
}

/**
 * The server's own anchoring: every server process anchors the chain's head at start, every few
 * minutes and at shutdown, with or without a worker, so the entries an attacker could delete
 * unnoticed are at most those of the last few minutes. Anchoring one after another within the
 * process; between processes, an anchor of a head already anchored is simply not written again.
 * A failure is reported to `onError` and never stops the server.
 */
export function anchorSchedule(ctx: AnchorContext & { config: Pick<Config, 'HAVEN_AUDIT_ANCHOR_SECONDS'> }, onError: (error: unknown) => void): AnchorSchedule {
  let timer: NodeJS.Timeout | undefined;
  let last: Promise<void> = Promise.resolve();
  let queued = false;
  const anchorNow = (options: { vouchForUnkeyed?: boolean } = {}) => {
    queued = true;
    last = last.then(async () => {
      queued = false;
      try {
        await anchorAuditHead(ctx, options);
      } catch (error) {
        onError(error);
      }
    });
    return last;
  };
  return {
    async start() {
      // Only at a server's start: the first anchor after an upgrade vouches for the unkeyed entries.
      await anchorNow({ vouchForUnkeyed: true });
      // A tick while one is still waiting its turn adds nothing: it would anchor the same head.
      timer = setInterval(() => void (queued ? undefined : anchorNow()), ctx.config.HAVEN_AUDIT_ANCHOR_SECONDS * 1000);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await anchorNow();
    },
  };
}
