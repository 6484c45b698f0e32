import { lt } from 'drizzle-orm';
import { RateLimiterDrizzle, RateLimiterRes } from 'rate-limiter-flexible';
import { blake2b256, toHex, utf8 } from '../../crypto';
import type { Config } from '../config';
import type { Database } from '../db';
import { rateLimits } from '../db/schema';
import { waitAfterFailures } from './attempt-rules';

/**
 * Counters of sign-in and registration attempts, kept by rate-limiter-flexible in the
 * `rate_limits` table of Haven's own database (`RateLimiterDrizzle` goes through drizzle, so the
 * same code runs on PostgreSQL and on embedded PGlite, and every server process sees the same
 * counts; Redis is optional for Haven, so it does not hold them). Each counter is keyed on what
 * the caller submitted (the normalised e-mail address, the client address), never on whether an
 * account exists: an unknown address is counted, delayed and locked exactly like a real one.
 */
export interface AttemptCounters {
  /** Counts a sign-in attempt from this address; the seconds to wait when it is over its budget, else 0. */
  signInFrom(address: string): Promise<number>;
  /** Counts a registration or invitation acceptance from this address; the seconds to wait when over budget, else 0. */
  registrationFrom(address: string): Promise<number>;
  /** Seconds that attempts for this e-mail address must still wait: from this client address (`delay`), and from anywhere (`lock`). */
  waits(email: string, address: string): Promise<{ delay: number; lock: number }>;
  /** Counts a wrong password or code. `lockStarted` is true for the one failure that locks the e-mail address everywhere. */
  failed(email: string, address: string): Promise<{ lockStarted: boolean }>;
  /** A full sign-in from this address: its failures there are forgiven (the account-wide count is not). */
  succeeded(email: string, address: string): Promise<void>;
}

/** A BLAKE2b key, so the table never holds an e-mail or client address in clear. */
const keyOf = (...parts: string[]) => toHex(blake2b256(utf8(`haven/attempts/v1\u0000${parts.join('\u0000')}`)));
const secondsLeft = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

/** Resolves with 0 when the attempt fits the budget, or with the seconds until it would. */
async function consumeOrWait(limiter: RateLimiterDrizzle, key: string): Promise<number> {
  try {
    await limiter.consume(key);
    return 0;
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return secondsLeft(rejection);
    throw rejection;
  }
}

export function attemptCounters(db: Database, config: Config): AttemptCounters {
  // Expired rows are removed by the housekeeping job (deleteExpiredRateLimits), not by a timer in each process.
  const limiter = (keyPrefix: string, points: number, duration: number, blockDuration = 0) =>
    new RateLimiterDrizzle({ storeClient: db, schema: rateLimits, keyPrefix, points, duration, blockDuration, clearExpiredByTimeout: false });
  const signInAddress = limiter('signin-address', config.HAVEN_SIGNIN_PER_ADDRESS_PER_MINUTE, 60);
  const registrationAddress = limiter('registration-address', config.HAVEN_REGISTER_PER_ADDRESS_PER_HOUR, 3600);
  // Failures for one e-mail address from one client address are remembered for a day; `penalty`
  // only counts (never refuses), and the wait they earn is kept under its own key.
  const pairFailures = limiter('signin-failures', Number.MAX_SAFE_INTEGER, 24 * 3600);
  const pairDelay = limiter('signin-delay', 1, 1);
  // The account-wide count: the failure that exceeds `points` blocks the key for the lock's length
  // (rate-limiter-flexible's blockDuration), and when the lock ends the count starts again.
  const threshold = config.HAVEN_LOCKOUT_THRESHOLD;
  const accountFailures = limiter('account-failures', threshold - 1, config.HAVEN_LOCKOUT_WINDOW_MINUTES * 60, config.HAVEN_LOCKOUT_MINUTES * 60);

  return {
    signInFrom: (address) => consumeOrWait(signInAddress, keyOf(address)),
    registrationFrom: (address) => consumeOrWait(registrationAddress, keyOf(address)),
    async waits(email, address) {
      const [delay, account] = await Promise.all([pairDelay.get(keyOf(email, address)), accountFailures.get(keyOf(email))]);
      return {
        delay: delay ? secondsLeft(delay) : 0,
        lock: account && account.consumedPoints >= threshold ? secondsLeft(account) : 0,
      };
    },
    async failed(email, address) {
      const pairKey = keyOf(email, address);
      const [pair, lockStarted] = await Promise.all([
        pairFailures.penalty(pairKey),
        accountFailures.consume(keyOf(email)).then(
          () => false,
          (rejection: unknown) => {
            if (!(rejection instanceof RateLimiterRes)) throw rejection;
            // Only the failure that crossed the threshold sees exactly this count (later ones see more).
            return rejection.consumedPoints === threshold;
          },
        ),
      ]);
      const wait = waitAfterFailures(pair.consumedPoints, { free: config.HAVEN_SIGNIN_FREE_FAILURES, maxSeconds: config.HAVEN_SIGNIN_MAX_DELAY_SECONDS });
      if (wait > 0) await pairDelay.block(pairKey, wait);
      return { lockStarted };
    },
    async succeeded(email, address) {
      const pairKey = keyOf(email, address);
      await Promise.all([pairFailures.delete(pairKey), pairDelay.delete(pairKey)]);
    },
  };
}

export async function deleteExpiredRateLimits(db: Database, now: Date): Promise<number> {
  const rows = await db.delete(rateLimits).where(lt(rateLimits.expire, now)).returning({ key: rateLimits.key });
  return rows.length;
}
