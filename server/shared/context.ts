import type { Config } from '../config';
import type { Database } from '../db';
import type { Clock } from './clock';
import type { MessageCopies, ServerToClientEvents } from '../realtime/events';
import type { ServiceMetrics } from '../metrics/service-metrics';
import type { OrgRootKeys } from '../trust-roots/org-root-key';

/** Tells connected clients what happened; implemented by the realtime gateway (services never import socket.io). */
export interface SessionNotifier {
  sessionsEnded(tokenHashes: string[], reason: 'signed_out' | 'signed_out_everywhere' | 'suspended'): void;
  /** Emits an event to every connection of these users. */
  toUsers<E extends keyof ServerToClientEvents>(userIds: string[], event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
  /**
   * Tells each reader of a newly stored message (`share:new`) on every connection they have,
   * with their own number in their sequence, except on `exceptConnection` (the one it was sent
   * on: its ack answered it). One hand-over between processes for all the readers, not one each.
   */
  messageCopies(copies: MessageCopies): void;
}

/** A notice written to the mail outbox, to be sent from this time on. */
export interface QueuedNotice {
  id: string;
  notBefore: Date;
}

/**
 * Wakes the mail worker for notices just committed (a BullMQ job per notice; services never
 * import bullmq). Best effort: a wake-up lost to a crash or to Redis is made up by the mail sweep.
 */
export interface OutboxWaker {
  wake(notices: QueuedNotice[]): void;
}

/** What every service is given: no transport, no globals. */
export interface ServiceContext {
  db: Database;
  config: Config;
  clock: Clock;
  notifier: SessionNotifier;
  /** Wakes the mail worker after a commit that queued notices; absent without Redis (the sweep finds them). */
  outbox?: OutboxWaker;
  /** Counters for /metrics; absent where nobody scrapes (scripts, seeding, separate workers). */
  metrics?: ServiceMetrics;
  /**
   * Demo installs only (`--seed-demo` with the org root key file at hand): admins are certified as
   * they publish keys. A real installation keeps the org root offline and never sets this.
   */
  demoOrgRoot?: OrgRootKeys;
}

/** For work outside a running server (seeding, scripts): there is nobody connected to tell. */
export const silentNotifier: SessionNotifier = {
  sessionsEnded: () => undefined,
  toUsers: () => undefined,
  messageCopies: () => undefined,
};
