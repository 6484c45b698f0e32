// The installation's trust roots, fixed when this client was built (web/vite.config.ts reads
// HAVEN_TRUST_ROOTS_FILE into the constant below): the key that signs the key log's heads and the organisation root that
// certifies admins. They never come from an API answer, so a server, or whoever holds its
// database, cannot give this client a key it trusts (docs/key-log.md, "Trust roots").
import type { TrustRoots } from '../../../crypto/admin-certificate';

// Replaced by its value at build time; null only in a dev server started without trust roots.
declare const __HAVEN_TRUST_ROOTS__: TrustRoots | null;

function built(): Readonly<TrustRoots> {
  if (!__HAVEN_TRUST_ROOTS__) throw new Error('This Haven client was started without trust roots: run `npm run haven -- trust init` and restart it.');
  return Object.freeze({ ...__HAVEN_TRUST_ROOTS__ });
}

/** As built: base64url public keys. */
export const trustRoots: Readonly<TrustRoots> = built();

function decode(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Verifies the key log's signed tree heads. */
export const keyLogPublicKey: Uint8Array = decode(trustRoots.keyLogPublicKey);
/** Verifies admin certificates (crypto/admin-certificate.ts). */
export const orgRootPublicKey: Uint8Array = decode(trustRoots.orgRootPublicKey);
