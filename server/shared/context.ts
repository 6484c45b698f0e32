import type { Config } from '../config';
import type { Database } from '../db';
import type { Clock } from './clock';

/** Tells connected clients that sessions ended; implemented by the realtime gateway. */
export interface SessionNotifier {
  sessionsEnded(tokenHashes: string[], reason: 'signed_out' | 'signed_out_everywhere'): void;
}

/** What every service is given: no transport, no globals. */
export interface ServiceContext {
  db: Database;
  config: Config;
  clock: Clock;
  notifier: SessionNotifier;
}
