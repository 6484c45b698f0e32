import { sodium } from './sodium';
import { toBase64Url } from './bytes';

/** An unguessable bearer secret: 256 random bits, base64url without padding (43 characters). */
export function randomToken(): string {
  return toBase64Url(sodium().randombytes_buf(32));
}

/** 16 random bytes (e.g. a salt). */
export function randomBytes16(): Uint8Array {
  return sodium().randombytes_buf(16);
}
