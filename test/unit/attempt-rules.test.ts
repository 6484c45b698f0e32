import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { passwordNeedsRehash, ready, verifyPassword } from '../../crypto';
import { waitAfterFailures } from '../../server/accounts/attempt-rules';
import { NO_ACCOUNT_HASH } from '../../server/accounts/password-pool';

beforeAll(ready);

describe('waitAfterFailures', () => {
  const limits = { free: 5, maxSeconds: 900 };

  it.each([
    [0, 0],
    [4, 0],
    [5, 2],
    [6, 4],
    [7, 8],
    [13, 512],
    [14, 900],
    [1_000_000, 900],
  ])('after %i failures waits %i s', (failures, seconds) => {
    expect(waitAfterFailures(failures, limits)).toBe(seconds);
  });

  it('never shrinks as failures grow, and never passes the cap', () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.integer({ min: 1, max: 1_000 }), fc.integer({ min: 1, max: 86_400 }), (failures, free, maxSeconds) => {
        const now = waitAfterFailures(failures, { free, maxSeconds });
        expect(now).toBeLessThanOrEqual(maxSeconds);
        expect(waitAfterFailures(failures + 1, { free, maxSeconds })).toBeGreaterThanOrEqual(now);
      }),
    );
  });
});

describe('the hash unknown addresses are checked against', () => {
  it('costs what a new hash costs (same limits), so an unknown address takes as long as a real one', () => {
    expect(NO_ACCOUNT_HASH).toMatch(/^\$argon2id\$v=19\$m=65536,t=2,p=1\$/);
    expect(passwordNeedsRehash(NO_ACCOUNT_HASH)).toBe(false);
    expect(verifyPassword(NO_ACCOUNT_HASH, 'not the password at all')).toBe(false);
  });
});
