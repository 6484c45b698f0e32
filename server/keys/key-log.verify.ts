import { asc } from 'drizzle-orm';
import { verifyTreeHead } from '../../crypto';
import { keyLogHeads, keyLogLeaves } from '../db/schema';
import type { ServiceContext } from '../shared/context';
import { keyLogSigningKeys } from './key-log-key';
import { replayLeaves, signedHeadOf } from './key-log-replay';

export interface KeyLogReport {
  ok: boolean;
  leaves: number;
  heads: number;
  problem?: string;
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

  const replayed = replayLeaves(leaves);
  if (replayed.problem) return report(replayed.problem);
  for (const head of heads) {
    if (!verifyTreeHead(signedHeadOf(head), publicKey)) {
      return report(
        `The head of size ${head.treeSize} is not signed by this installation's key log key (was the installation key, or HAVEN_KEY_LOG_SEED, restored with the database?).`,
      );
    }
    const expected = replayed.roots[head.treeSize];
    if (!expected) return report(`The head of size ${head.treeSize} covers leaves that are not there: leaves were deleted.`);
    if (expected !== head.rootHash) return report(`The head of size ${head.treeSize} does not match the leaves before it: the log was rewritten.`);
  }
  const newest = heads.at(-1)?.treeSize ?? 0;
  if (newest !== leaves.length) return report(`${leaves.length - newest} leaves are not covered by a signed head.`);
  return report();
}
