import { blake2b256, fromHex, toHex, treeHead, utf8, verifyTreeHead, type SignedTreeHead } from '../../crypto';
import type { SignedIn } from '../accounts/session-view';
import type { Database } from '../db';
import { ConflictError, ValidationError } from '../errors';
import { keyLogSigningKeys } from '../keys/key-log-key';
import { leafHashes } from '../keys/key-log.store';
import { canReportKeyLogFork, requireAllowed } from '../policy';
import type { ServiceContext } from '../shared/context';

/**
 * Checks a fork report before anyone is alarmed: both heads must be signed by this installation's
 * key-log key (so a report is evidence, not anyone's say-so) and must not both describe the log
 * this server holds: the same size with different roots, or a head whose root is not that of the
 * stored leaves before it. Answers the id the report is kept under (one per pair of heads).
 */
export async function forkSubject(ctx: ServiceContext, signedIn: SignedIn, heads: [SignedTreeHead, SignedTreeHead]): Promise<string> {
  requireAllowed(canReportKeyLogFork(signedIn.actor));
  const { publicKey } = keyLogSigningKeys(ctx.config);
  if (!heads.every((head) => verifyTreeHead(head, publicKey))) {
    throw new ValidationError(
      'These heads are not both signed by this installation’s key log key, so they show nothing.',
      [{ path: 'heads', message: 'Send heads as the key log signed them' }],
      'heads_not_signed',
    );
  }
  const [a, b] = heads;
  const sameSizeTwoRoots = a.treeSize === b.treeSize && a.rootHash !== b.rootHash;
  if (!sameSizeTwoRoots && (await matchesStoredLeaves(ctx.db, a)) && (await matchesStoredLeaves(ctx.db, b))) {
    throw new ConflictError('heads_consistent', 'Both heads describe the key log this server holds: there is no fork to report.');
  }
  return forkSubjectId(heads);
}

async function matchesStoredLeaves(db: Database, head: SignedTreeHead): Promise<boolean> {
  const hashes = await leafHashes(db, head.treeSize);
  return hashes.length === head.treeSize && toHex(treeHead(hashes.map(fromHex))) === head.rootHash;
}

/** The same pair, in either order, is one report: a uuid-shaped digest of both heads' sizes and roots. */
export function forkSubjectId(heads: readonly SignedTreeHead[]): string {
  const parts = heads.map((h) => `${h.treeSize}:${h.rootHash}`).sort();
  const hex = toHex(blake2b256(utf8(`haven/key-log-fork/v1\u0000${parts.join('\u0000')}`))).slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
