import { canonicalJson } from './canonical-json';
import { blake2b256 } from './hash';
import { concatBytes, fromHex, toHex, utf8 } from './bytes';

/** The `hash_{n-1}` of the first audit entry: 32 zero bytes. */
export const AUDIT_GENESIS_HASH = '00'.repeat(32);

/**
 * The fields of an audit entry that the chain protects. Everything is a string, number, boolean,
 * null or plain object so the canonical form is the same in every runtime.
 */
export interface AuditChainEntry {
  seq: number;
  at: string;
  actorId: string | null;
  agencyId: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  detail: Record<string, unknown>;
}

/** hash_n = BLAKE2b-256(hash_{n-1} ‖ "haven/audit/v1" ‖ 0x00 ‖ JCS(entry_n)), hex-encoded. */
export function auditEntryHash(previousHashHex: string, entry: AuditChainEntry): string {
  const body = utf8(`haven/audit/v1\u0000${canonicalJson(entry)}`);
  return toHex(blake2b256(concatBytes(fromHex(previousHashHex), body)));
}

/**
 * Digest of an audit entry's private detail (search terms, free-text reasons): BLAKE2b-256 of
 * "haven/audit-private/v1" ‖ 0x00 ‖ salt ‖ JCS(detail). The chain covers this digest instead of
 * the detail itself, so the detail can be destroyed with the child's records without breaking
 * the chain; once the random salt is destroyed too, the digest reveals nothing (no guessing a name).
 */
export function auditPrivateDigest(saltHex: string, detail: Record<string, unknown>): string {
  return toHex(blake2b256(concatBytes(utf8('haven/audit-private/v1\u0000'), fromHex(saltHex), utf8(canonicalJson(detail)))));
}
