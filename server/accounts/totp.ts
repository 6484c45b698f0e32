import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

const PERIOD_SECONDS = 30;

function totpFor(secretBase32: string, label: string): TOTP {
  // SHA-1, 6 digits, 30 s: the only parameters every authenticator app honours (RFC 6238 defaults).
  return new TOTP({ issuer: 'Haven', label, algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) });
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export async function enrolmentDetails(secretBase32: string, label: string): Promise<{ otpauthUri: string; qrSvg: string; secret: string }> {
  const otpauthUri = totpFor(secretBase32, label).toString();
  const qrSvg = await QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { otpauthUri, qrSvg, secret: secretBase32 };
}

/**
 * Checks a code against the secret, allowing one step of clock drift either way. Returns the
 * time step the code belongs to, or null. Callers refuse a step at or before the last one
 * accepted, so a code cannot be replayed.
 */
export function matchTotpStep(secretBase32: string, code: string, at: Date): number | null {
  const delta = totpFor(secretBase32, 'check').validate({ token: code, timestamp: at.getTime(), window: 1 });
  if (delta === null) return null;
  return Math.floor(at.getTime() / 1000 / PERIOD_SECONDS) + delta;
}
