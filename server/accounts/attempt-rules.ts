/**
 * How long the next sign-in attempt for one e-mail address from one client address waits after
 * `failures` wrong passwords or codes there: not at all for the first `free` ones, then 2 s,
 * doubling with each further failure, up to `maxSeconds`. Someone guessing from one address slows
 * to a crawl; the person whose account it is, signing in from anywhere else, is not held up.
 */
export function waitAfterFailures(failures: number, limits: { free: number; maxSeconds: number }): number {
  if (failures < limits.free) return 0;
  return Math.min(limits.maxSeconds, 2 ** Math.min(failures - limits.free + 1, 31));
}
