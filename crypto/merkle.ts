import { blake2b256 } from './hash';
import { concatBytes } from './bytes';
import { CryptoError, MalformedInputError } from './errors';

/**
 * Merkle Tree Hash of RFC 9162 §2.1 (Certificate Transparency v2), with one deliberate change:
 * HASH is BLAKE2b-256 rather than SHA-256, so the key log uses the same hash as the rest of
 * crypto/ and needs no second primitive in the browser. Everything else — the 0x00 / 0x01
 * domain separation of leaves and interior nodes, the split at the largest power of two, the
 * proof shapes and the verification algorithms — follows the RFC, so its reasoning and test
 * cases carry over. Format: docs/key-log.md.
 *
 * Trees and proofs are over leaf hashes (`leafHash(data)`), which is what a log server keeps.
 * Generation is O(n) per call; verification is the RFC's O(log n) iterative algorithm, which is
 * what clients run.
 */

export const MERKLE_HASH_BYTES = 32;

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

/** A tree size, leaf index or old size outside the tree it refers to. */
export class MerkleRangeError extends CryptoError {
  constructor(message: string) {
    super('merkle_out_of_range', message);
  }
}

/** HASH(0x00 ‖ data): the hash of one leaf (RFC 9162 §2.1.1). */
export function leafHash(data: Uint8Array): Uint8Array {
  return blake2b256(concatBytes(LEAF_PREFIX, data));
}

/** HASH(0x01 ‖ left ‖ right): the hash of an interior node. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return blake2b256(concatBytes(NODE_PREFIX, left, right));
}

/** MTH({}) = HASH() — BLAKE2b-256 of the empty string. */
export function emptyTreeHash(): Uint8Array {
  return blake2b256(new Uint8Array(0));
}

/** The root (Merkle Tree Hash) of a tree whose leaves have these hashes. */
export function treeHead(leafHashes: readonly Uint8Array[]): Uint8Array {
  checkLeafHashes(leafHashes);
  return subtreeHash(leafHashes, 0, leafHashes.length);
}

/** PATH(index, D[n]) of RFC 9162 §2.1.3.1: the audit path from leaf `index` to the root, leaf end first. */
export function inclusionProof(leafHashes: readonly Uint8Array[], index: number): Uint8Array[] {
  checkLeafHashes(leafHashes);
  if (!isSize(index) || index >= leafHashes.length) {
    throw new MerkleRangeError(`leaf index ${index} is outside a tree of ${leafHashes.length} leaves`);
  }
  return path(leafHashes, index, 0, leafHashes.length);
}

/**
 * PROOF(oldSize, D[n]) of RFC 9162 §2.1.4.1. The RFC defines it for 0 < oldSize < n; we also
 * answer the two edge cases the same way verifyConsistency accepts them: an empty proof when
 * oldSize is 0 (every tree extends the empty tree) or equals n (a tree is consistent with itself).
 */
export function consistencyProof(leafHashes: readonly Uint8Array[], oldSize: number): Uint8Array[] {
  checkLeafHashes(leafHashes);
  if (!isSize(oldSize) || oldSize > leafHashes.length) {
    throw new MerkleRangeError(`old size ${oldSize} is outside a tree of ${leafHashes.length} leaves`);
  }
  if (oldSize === 0) return [];
  return subproof(leafHashes, oldSize, 0, leafHashes.length, true);
}

/**
 * RFC 9162 §2.1.3.2, step by step. Returns false — never throws — for an index outside the
 * tree, a node of the wrong length, or a path that is too short, too long or does not lead
 * to `root`.
 */
export function verifyInclusion(leaf: Uint8Array, index: number, treeSize: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!isSize(index) || !isSize(treeSize) || index >= treeSize) return false;
  if (!isHash(leaf) || !isHash(root) || !proof.every(isHash)) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      // "If LSB(fn) is not set, right-shift both until LSB(fn) is set or fn is 0."
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && bytesEqual(r, root);
}

/**
 * RFC 9162 §2.1.4.2, step by step, for 0 < oldSize < newSize. Outside that range the RFC has
 * no algorithm; we accept exactly what consistencyProof produces there: oldSize 0 with an empty
 * proof and oldRoot = MTH({}), and oldSize = newSize with an empty proof and equal roots.
 * Returns false — never throws — for anything else out of range or malformed.
 */
export function verifyConsistency(oldSize: number, newSize: number, oldRoot: Uint8Array, newRoot: Uint8Array, proof: readonly Uint8Array[]): boolean {
  if (!isSize(oldSize) || !isSize(newSize) || oldSize > newSize) return false;
  if (!isHash(oldRoot) || !isHash(newRoot) || !proof.every(isHash)) return false;
  if (oldSize === 0) return proof.length === 0 && bytesEqual(oldRoot, emptyTreeHash());
  if (oldSize === newSize) return proof.length === 0 && bytesEqual(oldRoot, newRoot);

  // 1. An empty path proves nothing.
  if (proof.length === 0) return false;
  // 2. When the old tree is a complete subtree its root is the first node, and the server omits it.
  const nodes = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  // 3.
  let fn = oldSize - 1;
  let sn = newSize - 1;
  // 4.
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // 5. nodes is non-empty here (step 1 and 2).
  const [first, ...rest] = nodes as [Uint8Array, ...Uint8Array[]];
  let fr = first;
  let sr = first;
  // 6.
  for (const c of rest) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // 7.
  return bytesEqual(fr, oldRoot) && bytesEqual(sr, newRoot) && sn === 0;
}

// MTH(D[start:end]) bottom-up: pair neighbours, carry an odd last node up unchanged. This builds
// exactly the RFC's left-heavy tree (split at the largest power of two below n), without recursion.
function subtreeHash(leaves: readonly Uint8Array[], start: number, end: number): Uint8Array {
  if (end === start) return emptyTreeHash();
  let level = leaves.slice(start, end);
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i] as Uint8Array, level[i + 1] as Uint8Array));
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Uint8Array);
    level = next;
  }
  return level[0] as Uint8Array;
}

// PATH(m, D[start:end]), RFC 9162 §2.1.3.1, with m relative to start.
function path(leaves: readonly Uint8Array[], m: number, start: number, end: number): Uint8Array[] {
  const n = end - start;
  if (n === 1) return [];
  const k = largestPowerOfTwoBelow(n);
  if (m < k) return [...path(leaves, m, start, start + k), subtreeHash(leaves, start + k, end)];
  return [...path(leaves, m - k, start + k, end), subtreeHash(leaves, start, start + k)];
}

// SUBPROOF(m, D[start:end], b), RFC 9162 §2.1.4.1, with m relative to start.
function subproof(leaves: readonly Uint8Array[], m: number, start: number, end: number, completeSubtree: boolean): Uint8Array[] {
  const n = end - start;
  if (m === n) return completeSubtree ? [] : [subtreeHash(leaves, start, end)];
  const k = largestPowerOfTwoBelow(n);
  if (m <= k) return [...subproof(leaves, m, start, start + k, completeSubtree), subtreeHash(leaves, start + k, end)];
  return [...subproof(leaves, m - k, start + k, end, false), subtreeHash(leaves, start, start + k)];
}

function checkLeafHashes(leafHashes: readonly Uint8Array[]): void {
  if (!leafHashes.every(isHash)) throw new MalformedInputError(`every leaf hash must be ${MERKLE_HASH_BYTES} bytes`);
}

// Sizes and indices are plain numbers; arithmetic instead of bit operators keeps them exact
// beyond 2^31 (JavaScript's bit operators work on 32-bit integers).
function isSize(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function isOdd(value: number): boolean {
  return value % 2 === 1;
}

function half(value: number): number {
  return Math.floor(value / 2);
}

function isPowerOfTwo(value: number): boolean {
  let v = value;
  while (v > 1 && !isOdd(v)) v = half(v);
  return v === 1;
}

/** The largest power of two strictly less than n (n ≥ 2). */
function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === MERKLE_HASH_BYTES;
}

// Roots and proof nodes are public, so an ordinary comparison is fine here.
function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
