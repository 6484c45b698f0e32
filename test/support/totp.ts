import { Secret, TOTP } from 'otpauth';

const lastStepBySecret = new Map<string, number>();

/**
 * The code an authenticator app would show. Haven accepts each time step once, so when a
 * test signs the same user in twice within 30 seconds this moves to the next step (Haven
 * allows one step of drift); `at` lets tests with a moved clock ask for the code at that time.
 */
export function totpCode(secret: string, at: Date = new Date()): string {
  const current = Math.floor(at.getTime() / 30_000);
  const last = lastStepBySecret.get(secret);
  const step = last === undefined || last < current ? current : last + 1;
  if (step > current + 1) throw new Error('test signed in the same user more than twice in one 30 s window');
  lastStepBySecret.set(secret, step);
  return new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: step * 30_000 });
}
