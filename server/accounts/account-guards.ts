import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Database } from '../db';
import { attemptCounters, type AttemptCounters } from './attempts.store';
import { PasswordPool, type PasswordHasher } from './password-pool';

/** What stands between an unauthenticated caller and Argon2id: the hashing pool and the attempt counters. */
export interface AccountGuards {
  passwords: PasswordHasher;
  attempts: AttemptCounters;
}

export function accountGuards(db: Database, config: Config, logger: Logger): AccountGuards & { close(): Promise<void> } {
  const passwords = new PasswordPool({ workers: config.HAVEN_PASSWORD_WORKERS, queue: config.HAVEN_PASSWORD_QUEUE }, logger);
  return { passwords, attempts: attemptCounters(db, config), close: () => passwords.close() };
}
