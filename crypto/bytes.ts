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

export function fromBase64Url(text: string, what = 'value'): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new MalformedInputError(`${what} is not base64url`);
  const s = sodium();
  try {
    return s.from_base64(text, s.base64_variants.URLSAFE_NO_PADDING);
  } catch {
    throw new MalformedInputError(`${what} is not base64url`);
  }
}
