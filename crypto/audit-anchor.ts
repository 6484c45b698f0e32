import { canonicalJson } from './canonical-json';
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from './bytes';
import { MalformedInputError } from './errors';
import { sodium } from './sodium';

/** Domain label of a signed audit anchor. */
export const AUDIT_ANCHOR_LABEL = 'haven/audit-anchor/v1';

/**
 * The head of the audit chain at a moment: entry `seq` had hash `hash` at `at` (ISO 8601 UTC,
 * milliseconds). `legacyThrough` is the last entry in the unkeyed format v1 that the anchor vouches
 * for (0: none) — entries written before the chain was keyed, which only an anchor can vouch for.
 */
export interface AuditAnchor {
  v: 1;
  seq: number;
  hash: string;
  at: string;
  legacyThrough: number;
}

const HEX_32 = /^[0-9a-f]{64}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** "haven/audit-anchor/v1" ‖ 0x00 ‖ JCS({ v, seq, hash, at, legacyThrough }): what an anchor's Ed25519 signature covers. */
export function auditAnchorMessage(anchor: AuditAnchor): Uint8Array {
  if (anchor.v !== 1) throw new MalformedInputError('unsupported audit anchor version');
  if (!Number.isSafeInteger(anchor.seq) || anchor.seq < 1) throw new MalformedInputError('an anchor sequence number is a whole number ≥ 1');
  if (typeof anchor.hash !== 'string' || !HEX_32.test(anchor.hash)) throw new MalformedInputError('an anchor hash is 64 lower-case hex digits');
  if (typeof anchor.at !== 'string' || !ISO_MS.test(anchor.at)) throw new MalformedInputError('an anchor time is ISO 8601 UTC with milliseconds');
  if (!Number.isSafeInteger(anchor.legacyThrough) || anchor.legacyThrough < 0 || anchor.legacyThrough > anchor.seq) {
    throw new MalformedInputError('an anchor vouches for unkeyed entries from 0 up to its own entry');
  }
  const body: AuditAnchor = { v: anchor.v, seq: anchor.seq, hash: anchor.hash, at: anchor.at, legacyThrough: anchor.legacyThrough };
  return concatBytes(utf8(`${AUDIT_ANCHOR_LABEL}\u0000`), utf8(canonicalJson(body)));
}

/** Signs an anchor with the installation's anchor key (Ed25519); the signature in base64url. */
export function signAuditAnchor(anchor: AuditAnchor, privateKey: Uint8Array): string {
  const s = sodium();
  if (privateKey.length !== s.crypto_sign_SECRETKEYBYTES) throw new MalformedInputError('signing key has the wrong length');
  return toBase64Url(s.crypto_sign_detached(auditAnchorMessage(anchor), privateKey));
}

/** True when `signature` is the anchor key's signature over this anchor; false (never a throw) otherwise. */
export function verifyAuditAnchor(anchor: AuditAnchor, signature: string, publicKey: Uint8Array): boolean {
  try {
    const s = sodium();
    const bytes = fromBase64Url(signature, 'signature');
    if (bytes.length !== s.crypto_sign_BYTES || publicKey.length !== s.crypto_sign_PUBLICKEYBYTES) return false;
    return s.crypto_sign_verify_detached(bytes, auditAnchorMessage(anchor), publicKey);
  } catch {
    return false;
  }
}
