import { emptyTreeHash, fromHex, keyLogLeafHash, nodeHash, toHex, type KeyLogEntry, type SignedTreeHead } from '../../crypto';
import type { HeadRow, LeafRow } from './key-log.store';

/**
 * Roots of the log's prefixes as leaves arrive, O(log n) each: the tree of n leaves is the
 * perfect subtrees of n's binary digits, joined from the right (RFC 9162's split at the largest
 * power of two below n), so every signed head can be checked in one pass over the leaves.
 */
class PrefixRoots {
  private readonly stack: { size: number; hash: Uint8Array }[] = [];

  push(leafHash: Uint8Array): void {
    let node = { size: 1, hash: leafHash };
    for (let top = this.stack.at(-1); top && top.size === node.size; top = this.stack.at(-1)) {
      this.stack.pop();
      node = { size: top.size * 2, hash: nodeHash(top.hash, node.hash) };
    }
    this.stack.push(node);
  }

  root(): Uint8Array {
    let root = this.stack.at(-1)?.hash ?? emptyTreeHash();
    for (let i = this.stack.length - 2; i >= 0; i--) root = nodeHash(this.stack[i]?.hash ?? root, root);
    return root;
  }
}

/** The stored leaves replayed: the root of every prefix that could be checked, and the first leaf that could not. */
export interface ReplayedLeaves {
  /** roots[n] is the root (hex) of the first n leaves, for n from 0 up to the first problem. */
  roots: string[];
  /** The first damaged or missing leaf, in words an operator can act on; the roots stop before it. */
  problem?: string;
}

/**
 * Recomputes the log from its stored leaves (in seq order): every leaf's hash from its entry, and
 * the root of every prefix. The operator's `verify` and the key log monitor both judge signed heads
 * against these roots.
 */
export function replayLeaves(leaves: readonly Pick<LeafRow, 'seq' | 'entry' | 'leafHash'>[]): ReplayedLeaves {
  const roots = [toHex(emptyTreeHash())];
  const prefix = new PrefixRoots();
  for (const [index, leaf] of leaves.entries()) {
    if (leaf.seq !== index) return { roots, problem: `Leaf ${index} is missing: leaves were deleted.` };
    let recomputed: string;
    try {
      recomputed = toHex(keyLogLeafHash(leaf.entry as unknown as KeyLogEntry));
    } catch {
      return { roots, problem: `Leaf ${index} is not a well-formed key log entry.` };
    }
    if (recomputed !== leaf.leafHash) return { roots, problem: `Leaf ${index} was modified: its entry no longer matches its hash.` };
    prefix.push(fromHex(leaf.leafHash));
    roots.push(toHex(prefix.root()));
  }
  return { roots };
}

/** A stored head as clients receive it (and as its signature covers it). */
export function signedHeadOf(row: HeadRow): SignedTreeHead {
  return { v: 1, treeSize: row.treeSize, rootHash: row.rootHash, timestamp: row.timestamp, signature: row.signature };
}
