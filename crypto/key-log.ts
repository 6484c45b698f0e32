import { sodium } from './sodium';
import { canonicalJson } from './canonical-json';
import { concatBytes, fromBase64Url, fromHex, toBase64Url, toHex, utf8 } from './bytes';
import { MalformedInputError } from './errors';
import { keyFingerprint } from './identity';
import { emptyTreeHash, leafHash, verifyConsistency, verifyInclusion } from './merkle';

/**
 * Key log v1: Haven's key directory as a Certificate-Transparency-style Merkle tree
 * (crypto/merkle.ts). Each leaf binds a user to their public keys, optionally with an admin's
 * attestation; the log server signs each tree head; clients keep the last head they saw and
 * check inclusion of the keys they use and consistency between heads. Format: docs/key-log.md.
 */

export const KEY_ATTESTATION_LABEL = 'haven/key-attestation/v1';
export const KEY_LOG_HEAD_LABEL = 'haven/key-log-head/v1';

/** One leaf of the key log. Keys base64url (no padding), fingerprint hex, time ISO 8601 UTC with milliseconds. */
export interface KeyLogEntry {
  v: 1;
  userId: string;
  signPublicKey: string;
  boxPublicKey: string;
  /** keyFingerprint({ signPublicKey, boxPublicKey }); checked, not trusted. */
  fingerprint: string;
  /** The admin who verified the user, or null while the keys are not yet attested. */
  attestedBy: string | null;
  /** attestKey({ userId, fingerprint }) by `attestedBy`, or null. */
  attestation: string | null;
  loggedAt: string;
}

/** What an admin's attestation signs: this user holds the keys with this fingerprint. */
export interface KeyBinding {
  userId: string;
  fingerprint: string;
}

export interface TreeHead {
  v: 1;
  treeSize: number;
  /** MTH of the first treeSize leaves, lowercase hex. */
  rootHash: string;
  timestamp: string;
}

export interface SignedTreeHead extends TreeHead {
  /** Ed25519 by the log key over treeHeadMessage(head), base64url. */
  signature: string;
}

export type KeyLogCheck<Reason extends string> = { ok: true } | { ok: false; reason: Reason };

/** Why a key could not be shown to be in the log. */
export type KeyInclusionFailure = 'bad_head' | 'malformed_entry' | 'malformed_proof' | 'not_in_log';

/**
 * Why a new head could not be accepted in place of the old one. `fork` and `inconsistent` mean
 * the server may be showing different logs to different people; `log_shrank` that it is showing
 * us an older view (docs/key-log.md says what the client does for each).
 */
export type LogGrowthFailure = 'bad_old_head' | 'bad_new_head' | 'log_shrank' | 'fork' | 'malformed_proof' | 'inconsistent';

/** The leaf data: UTF-8 of JCS over exactly the eight v1 fields. Throws MalformedInputError for an invalid entry. */
export function keyLogLeaf(entry: KeyLogEntry): Uint8Array {
  checkEntry(entry);
  // Picked field by field so that anything else on the object cannot change the leaf.
  const leaf: KeyLogEntry = {
    v: entry.v,
    userId: entry.userId,
    signPublicKey: entry.signPublicKey,
    boxPublicKey: entry.boxPublicKey,
    fingerprint: entry.fingerprint,
    attestedBy: entry.attestedBy,
    attestation: entry.attestation,
    loggedAt: entry.loggedAt,
  };
  return utf8(canonicalJson(leaf));
}

/** leafHash(keyLogLeaf(entry)) = BLAKE2b-256(0x00 ‖ JCS(entry)). */
export function keyLogLeafHash(entry: KeyLogEntry): Uint8Array {
  return leafHash(keyLogLeaf(entry));
}

/** "haven/key-attestation/v1" ‖ 0x00 ‖ JCS({ userId, fingerprint }). */
export function keyAttestationMessage(binding: KeyBinding): Uint8Array {
  checkBinding(binding);
  return concatBytes(utf8(`${KEY_ATTESTATION_LABEL}\u0000`), utf8(canonicalJson({ userId: binding.userId, fingerprint: binding.fingerprint })));
}

/** An admin's Ed25519 signature over the binding, base64url. */
export function attestKey(binding: KeyBinding, adminSignPrivateKey: Uint8Array): string {
  return toBase64Url(signDetached(keyAttestationMessage(binding), adminSignPrivateKey));
}

/** True when `attestation` is the admin's signature over exactly this binding; false (never a throw) otherwise. */
export function verifyAttestation(binding: KeyBinding, attestation: string, adminSignPublicKey: Uint8Array): boolean {
  try {
    return verifyDetached(attestation, keyAttestationMessage(binding), adminSignPublicKey);
  } catch {
    return false;
  }
}

/** "haven/key-log-head/v1" ‖ 0x00 ‖ JCS({ v, treeSize, rootHash, timestamp }). */
export function treeHeadMessage(head: TreeHead): Uint8Array {
  checkHead(head);
  const body: TreeHead = { v: head.v, treeSize: head.treeSize, rootHash: head.rootHash, timestamp: head.timestamp };
  return concatBytes(utf8(`${KEY_LOG_HEAD_LABEL}\u0000`), utf8(canonicalJson(body)));
}

/** Signs a tree head with the log server's Ed25519 key. Throws MalformedInputError for an invalid head. */
export function signTreeHead(head: TreeHead, logPrivateKey: Uint8Array): SignedTreeHead {
  const signature = toBase64Url(signDetached(treeHeadMessage(head), logPrivateKey));
  return { v: head.v, treeSize: head.treeSize, rootHash: head.rootHash, timestamp: head.timestamp, signature };
}

/** True when the head is well formed and signed by the log key; false (never a throw) otherwise. */
export function verifyTreeHead(head: SignedTreeHead, logPublicKey: Uint8Array): boolean {
  try {
    return typeof head.signature === 'string' && verifyDetached(head.signature, treeHeadMessage(head), logPublicKey);
  } catch {
    return false;
  }
}

/**
 * Client side: is this entry leaf `index` of the tree the signed `head` describes? The caller
 * still compares `entry.userId` and `entry.fingerprint` with the person and keys it is about
 * to use, and checks `entry.attestation` with verifyAttestation and the admin's logged key.
 * `proof` is the inclusion proof as hex strings, as the server sends it.
 */
export function checkKeyAgainstLog(input: {
  entry: KeyLogEntry;
  index: number;
  proof: readonly string[];
  head: SignedTreeHead;
  logPublicKey: Uint8Array;
}): KeyLogCheck<KeyInclusionFailure> {
  const { entry, index, head, logPublicKey } = input;
  if (!verifyTreeHead(head, logPublicKey)) return fail('bad_head');
  let leaf: Uint8Array;
  try {
    leaf = keyLogLeafHash(entry);
  } catch {
    return fail('malformed_entry');
  }
  const proof = decodeProof(input.proof);
  if (!proof) return fail('malformed_proof');
  if (!verifyInclusion(leaf, index, head.treeSize, proof, fromHex(head.rootHash))) return fail('not_in_log');
  return { ok: true };
}

/**
 * Client side: may `newHead` replace the `oldHead` this client kept? Both must be signed by the
 * log; a smaller tree is refused; a tree of the same size must have the same root (otherwise
 * the log has forked — two signed heads that prove it); a larger tree must come with a
 * consistency proof (hex strings) showing it extends the old one. For the same size the proof
 * is not looked at.
 */
export function checkLogGrowth(input: {
  oldHead: SignedTreeHead;
  newHead: SignedTreeHead;
  proof: readonly string[];
  logPublicKey: Uint8Array;
}): KeyLogCheck<LogGrowthFailure> {
  const { oldHead, newHead, logPublicKey } = input;
  if (!verifyTreeHead(oldHead, logPublicKey)) return fail('bad_old_head');
  if (!verifyTreeHead(newHead, logPublicKey)) return fail('bad_new_head');
  if (newHead.treeSize < oldHead.treeSize) return fail('log_shrank');
  if (newHead.treeSize === oldHead.treeSize) return newHead.rootHash === oldHead.rootHash ? { ok: true } : fail('fork');
  const proof = decodeProof(input.proof);
  if (!proof) return fail('malformed_proof');
  const consistent = verifyConsistency(oldHead.treeSize, newHead.treeSize, fromHex(oldHead.rootHash), fromHex(newHead.rootHash), proof);
  return consistent ? { ok: true } : fail('inconsistent');
}

/** The root hash of the empty log, hex: what a signed head of size 0 carries. */
export function emptyKeyLogRoot(): string {
  return toHex(emptyTreeHash());
}

function fail<Reason extends string>(reason: Reason): { ok: false; reason: Reason } {
  return { ok: false, reason };
}

const HEX_32 = /^[0-9a-f]{64}$/;
const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

// The proof arrives from the network, so its shape is checked, not assumed from the type.
function decodeProof(proof: readonly string[]): Uint8Array[] | null {
  const nodes: unknown = proof;
  if (!Array.isArray(nodes)) return null;
  const decoded: Uint8Array[] = [];
  for (const node of nodes as unknown[]) {
    if (typeof node !== 'string' || !HEX_32.test(node)) return null;
    decoded.push(fromHex(node));
  }
  return decoded;
}

function isIsoUtcMs(value: unknown): value is string {
  if (typeof value !== 'string' || !ISO_UTC_MS.test(value)) return false;
  const time = new Date(value);
  // Round-tripping rejects impossible dates such as 2026-02-30 that Date would roll over.
  return !Number.isNaN(time.getTime()) && time.toISOString() === value;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function checkBinding(binding: KeyBinding): void {
  if (!isNonEmptyString(binding.userId)) throw new MalformedInputError('key binding needs a user id');
  if (typeof binding.fingerprint !== 'string' || !HEX_32.test(binding.fingerprint)) {
    throw new MalformedInputError('key fingerprint must be 64 lowercase hex digits');
  }
}

function checkEntry(entry: KeyLogEntry): void {
  if (entry.v !== 1) throw new MalformedInputError('unsupported key log entry version');
  checkBinding(entry);
  // keyFingerprint decodes and length-checks both keys (MalformedInputError if they are not keys).
  if (keyFingerprint({ signPublicKey: entry.signPublicKey, boxPublicKey: entry.boxPublicKey }) !== entry.fingerprint) {
    throw new MalformedInputError('key fingerprint does not match the keys');
  }
  if (entry.attestedBy === null || entry.attestation === null) {
    if (entry.attestedBy !== null || entry.attestation !== null) throw new MalformedInputError('attestedBy and attestation go together');
  } else {
    if (!isNonEmptyString(entry.attestedBy)) throw new MalformedInputError('attestedBy must be a user id');
    if (fromBase64Url(entry.attestation, 'attestation').length !== sodium().crypto_sign_BYTES) {
      throw new MalformedInputError('attestation has the wrong length');
    }
  }
  if (!isIsoUtcMs(entry.loggedAt)) throw new MalformedInputError('loggedAt must be ISO 8601 UTC with milliseconds');
}

function checkHead(head: TreeHead): void {
  if (head.v !== 1) throw new MalformedInputError('unsupported tree head version');
  if (!Number.isSafeInteger(head.treeSize) || head.treeSize < 0) throw new MalformedInputError('tree size must be a whole number ≥ 0');
  if (typeof head.rootHash !== 'string' || !HEX_32.test(head.rootHash)) throw new MalformedInputError('root hash must be 64 lowercase hex digits');
  if (!isIsoUtcMs(head.timestamp)) throw new MalformedInputError('timestamp must be ISO 8601 UTC with milliseconds');
}

function signDetached(message: Uint8Array, privateKey: Uint8Array): Uint8Array {
  const s = sodium();
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== s.crypto_sign_SECRETKEYBYTES) {
    throw new MalformedInputError('signing key has the wrong length');
  }
  return s.crypto_sign_detached(message, privateKey);
}

function verifyDetached(signature: string, message: Uint8Array, publicKey: Uint8Array): boolean {
  const s = sodium();
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== s.crypto_sign_PUBLICKEYBYTES) return false;
  const bytes = fromBase64Url(signature, 'signature');
  if (bytes.length !== s.crypto_sign_BYTES) return false;
  return s.crypto_sign_verify_detached(bytes, message, publicKey);
}
