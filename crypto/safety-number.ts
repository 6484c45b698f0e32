import { canonicalJson } from './canonical-json';
import { blake2b256 } from './hash';
import { utf8 } from './bytes';

/**
 * A number two practitioners can read to each other (in person or by phone) to confirm
 * that each sees the other's real keys. Both compute the same 30 digits whatever the order:
 * BLAKE2b-256("haven/safety-number/v1" ‖ 0x00 ‖ JCS(both {userId, fingerprint}, sorted by userId)),
 * taken as six 5-byte big-endian numbers, each mod 100000, written as groups of five digits.
 */
export function safetyNumber(a: { userId: string; fingerprint: string }, b: { userId: string; fingerprint: string }): string {
  const pair = [a, b].map(({ userId, fingerprint }) => ({ userId, fingerprint })).sort((x, y) => (x.userId < y.userId ? -1 : x.userId > y.userId ? 1 : 0));
  const digest = blake2b256(utf8(`haven/safety-number/v1\u0000${canonicalJson(pair)}`));
  const groups: string[] = [];
  for (let i = 0; i < 6; i++) {
    let value = 0;
    for (let j = 0; j < 5; j++) value = value * 256 + (digest[i * 5 + j] ?? 0);
    groups.push(String(value % 100_000).padStart(5, '0'));
  }
  return groups.join(' ');
}
