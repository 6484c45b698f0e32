import { canonicalJson } from './canonical-json';
import { blake2b256 } from './hash';
import { concatBytes, fromHex, toHex, utf8 } from './bytes';
import { MalformedInputError } from './errors';
import { sodium } from './sodium';

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

/**
 * Format v1 (entries written before the chain was keyed): hash_n = BLAKE2b-256(hash_{n-1} ‖
 * "haven/audit/v1" ‖ 0x00 ‖ JCS(entry_n)), hex-encoded. Anyone can compute it, so it proves an
 * entry unchanged only up to a signed anchor; Haven verifies it but no longer writes it.
 */
export function auditEntryHash(previousHashHex: string, entry: AuditChainEntry): string {
  const body = utf8(`haven/audit/v1\u0000${canonicalJson(entry)}`);
  return toHex(blake2b256(concatBytes(fromHex(previousHashHex), body)));
}

/**
 * Format v2: hash_n = BLAKE2b-256 keyed with the installation's audit chain key (32 bytes, never
 * in the database) over hash_{n-1} ‖ "haven/audit/v2" ‖ 0x00 ‖ JCS(entry_n), hex-encoded. Without
 * the key no one can compute the hash of an entry they append or change.
 */
export function keyedAuditEntryHash(chainKey: Uint8Array, previousHashHex: string, entry: AuditChainEntry): string {
  if (chainKey.length !== 32) throw new MalformedInputError('an audit chain key must be 32 bytes');
  const body = utf8(`haven/audit/v2\u0000${canonicalJson(entry)}`);
  return toHex(sodium().crypto_generichash(32, concatBytes(fromHex(previousHashHex), body), chainKey));
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
