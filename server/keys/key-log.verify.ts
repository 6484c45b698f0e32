import { asc } from 'drizzle-orm';
import { emptyTreeHash, fromHex, keyLogLeafHash, nodeHash, toHex, verifyTreeHead, type KeyLogEntry } from '../../crypto';
import { keyLogHeads, keyLogLeaves } from '../db/schema';
import type { ServiceContext } from '../shared/context';
import { keyLogSigningKeys } from './key-log-key';

export interface KeyLogReport {
  ok: boolean;
  leaves: number;
  heads: number;
  problem?: string;
}

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

/**
 * Checks the whole key log as a server operator can (after a restore, say): every leaf hashes
 * from its stored entry, every signed head is signed by this installation's log key and has the
 * root of the leaves before it, and the newest head covers every leaf. Clients check the same
 * log piecewise (inclusion and consistency proofs, crypto/key-log-client.ts); this is the whole of it.
 */
export async function verifyKeyLog(ctx: ServiceContext): Promise<KeyLogReport> {
  const { publicKey } = keyLogSigningKeys(ctx.config);
  const leaves = await ctx.db.select().from(keyLogLeaves).orderBy(asc(keyLogLeaves.seq));
  const heads = await ctx.db.select().from(keyLogHeads).orderBy(asc(keyLogHeads.treeSize));
  const report = (problem?: string): KeyLogReport => ({ ok: !problem, leaves: leaves.length, heads: heads.length, ...(problem && { problem }) });

  const roots = new Map<number, string>([[0, toHex(emptyTreeHash())]]);
  const prefix = new PrefixRoots();
  for (const [index, leaf] of leaves.entries()) {
    if (leaf.seq !== index) return report(`Leaf ${index} is missing: leaves were deleted.`);
    let recomputed: string;
    try {
      recomputed = toHex(keyLogLeafHash(leaf.entry as unknown as KeyLogEntry));
    } catch {
      return report(`Leaf ${index} is not a well-formed key log entry.`);
    }
    if (recomputed !== leaf.leafHash) return report(`Leaf ${index} was modified: its entry no longer matches its hash.`);
    prefix.push(fromHex(leaf.leafHash));
    roots.set(index + 1, toHex(prefix.root()));
  }
  for (const head of heads) {
    const signed = { v: 1 as const, treeSize: head.treeSize, rootHash: head.rootHash, timestamp: head.timestamp, signature: head.signature };
    if (!verifyTreeHead(signed, publicKey)) {
      return report(
        `The head of size ${head.treeSize} is not signed by this installation's key log key (was the installation key, or HAVEN_KEY_LOG_SEED, restored with the database?).`,
      );
    }
    const expected = roots.get(head.treeSize);
    if (!expected) return report(`The head of size ${head.treeSize} covers leaves that are not there: leaves were deleted.`);
    if (expected !== head.rootHash) return report(`The head of size ${head.treeSize} does not match the leaves before it: the log was rewritten.`);
  }
  const newest = heads.at(-1)?.treeSize ?? 0;
  if (newest !== leaves.length) return report(`${leaves.length - newest} leaves are not covered by a signed head.`);
  return report();
}
