import { consistencyProof, fromHex, inclusionProof, keyLogLeafHash, signTreeHead, toHex, treeHead, type KeyLogEntry, type SignedTreeHead } from '../../crypto';
import type { Database } from '../db';
import { NotFoundError, ValidationError } from '../errors';
import type { ServiceContext } from '../shared/context';
import { keyLogSigningKeys } from './key-log-key';
import { headOfSize, insertHead, insertLeaf, latestHead, latestLeafOf, leafHashes, lockKeyLog } from './key-log.store';
import { signedHeadOf } from './key-log-replay';

/** Appends a leaf and signs the new head, inside the caller's transaction (one writer at a time). */
export async function appendToKeyLog(ctx: ServiceContext, tx: Database, entry: KeyLogEntry): Promise<void> {
  // The signing key comes from configuration or the installation key, never from the database (key-log-key.ts).
  const keys = keyLogSigningKeys(ctx.config);
  await lockKeyLog(tx);
  const hashes = await leafHashes(tx);
  const leafHash = toHex(keyLogLeafHash(entry));
  await insertLeaf(tx, { seq: hashes.length, userId: entry.userId, entry: { ...entry }, leafHash });
  const all = [...hashes, leafHash].map(fromHex);
  const head = signTreeHead({ v: 1, treeSize: all.length, rootHash: toHex(treeHead(all)), timestamp: ctx.clock().toISOString() }, keys.privateKey);
  await insertHead(tx, head);
}

export async function currentHead(ctx: ServiceContext): Promise<SignedTreeHead | null> {
  const row = await latestHead(ctx.db);
  return row ? signedHeadOf(row) : null;
}

/** The user's newest log entry with its inclusion proof against the current head. */
export async function keyLogProof(ctx: ServiceContext, userId: string): Promise<{ entry: KeyLogEntry; index: number; proof: string[]; head: SignedTreeHead }> {
  const head = await latestHead(ctx.db);
  const leaf = head ? await latestLeafOf(ctx.db, userId, head.treeSize) : undefined;
  if (!head || !leaf) throw new NotFoundError('not_in_key_log', 'This user has no keys in the key log.');
  const hashes = (await leafHashes(ctx.db, head.treeSize)).map(fromHex);
  return { entry: leaf.entry as unknown as KeyLogEntry, index: leaf.seq, proof: inclusionProof(hashes, leaf.seq).map(toHex), head: signedHeadOf(head) };
}

/**
 * Proof that the head of size `to` (the current head when omitted) extends the head of size
 * `from` that a client kept, or that another client saw (an envelope v2's head).
 */
export async function keyLogConsistency(
  ctx: ServiceContext,
  from: number,
  to?: number,
): Promise<{ proof: string[]; head: SignedTreeHead; from: SignedTreeHead | null }> {
  const latest = await latestHead(ctx.db);
  if (!latest) throw new NotFoundError('key_log_empty', 'The key log is empty.');
  if ((to ?? from) > latest.treeSize) {
    throw new ValidationError('The key log is not that long.', [
      { path: to === undefined ? 'from' : 'to', message: `Ask for a size up to ${latest.treeSize}` },
    ]);
  }
  if (to !== undefined && from > to)
    throw new ValidationError('`from` must not be larger than `to`.', [{ path: 'from', message: `Ask for a size up to ${to}` }]);
  const head = to === undefined || to === latest.treeSize ? latest : await headOfSize(ctx.db, to);
  if (!head) throw new NotFoundError('no_head_of_that_size', 'The key log has no signed head of that size.');
  const old = from === 0 ? null : await headOfSize(ctx.db, from);
  const hashes = (await leafHashes(ctx.db, head.treeSize)).map(fromHex);
  const proof = from === 0 || from === head.treeSize ? [] : consistencyProof(hashes, from).map(toHex);
  return { proof, head: signedHeadOf(head), from: old ? signedHeadOf(old) : null };
}
