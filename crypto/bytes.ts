import { sodium } from './sodium';
import { MalformedInputError } from './errors';

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function toHex(bytes: Uint8Array): string {
  return sodium().to_hex(bytes);
}

export function fromHex(hex: string): Uint8Array {
  return sodium().from_hex(hex);
}

export function toBase64Url(bytes: Uint8Array): string {
  const s = sodium();
  return s.to_base64(bytes, s.base64_variants.URLSAFE_NO_PADDING);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Constant-time comparison of two strings (e.g. a CSRF token against its cookie). */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = utf8(a);
  const right = utf8(b);
  return left.length === right.length && sodium().memcmp(left, right);
}

/** Each base64url character's 6-bit value by character code; -1 for every other character. */
const BASE64URL_VALUES: Int8Array = (() => {
  const values = new Int8Array(128).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let i = 0; i < alphabet.length; i += 1) values[alphabet.charCodeAt(i)] = i;
  return values;
})();

/**
 * Decodes base64url without padding, accepting exactly what libsodium's `from_base64` (variant
 * URLSAFE_NO_PADDING) accepts, so every value keeps one spelling: no padding, no other characters,
 * no length of 4n + 1, and the unused low bits of the last character zero. In JavaScript rather
 * than libsodium's WebAssembly because the server decodes every envelope it is sent: a 1 KiB
 * body's ciphertext took 11 µs through libsodium (copies into and out of its memory) and takes
 * 5.5 µs here (docs/performance.md). test/unit/base64url.test.ts holds the two to the same answers.
 */
export function fromBase64Url(text: string, what = 'value'): Uint8Array {
  // A caller's type is no promise at run time: anything but a string is refused, not read as empty.
  if (typeof text !== 'string') throw new MalformedInputError(`${what} is not base64url`);
  const length = text.length;
  if (length % 4 === 1) throw new MalformedInputError(`${what} is not base64url`);
  const out = new Uint8Array((length * 3) >> 2);
  let pending = 0;
  let pendingBits = 0;
  let at = 0;
  for (let i = 0; i < length; i += 1) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? (BASE64URL_VALUES[code] ?? -1) : -1;
    if (value < 0) throw new MalformedInputError(`${what} is not base64url`);
    pending = (pending << 6) | value;
    pendingBits += 6;
    if (pendingBits >= 8) {
      pendingBits -= 8;
      out[at++] = (pending >> pendingBits) & 0xff;
      pending &= (1 << pendingBits) - 1;
    }
  }
  if (pending !== 0) throw new MalformedInputError(`${what} is not base64url`);
  return out;
}
