import {
  consistencyProof,
  fromBase64Url,
  fromHex,
  inclusionProof,
  keyLogLeafHash,
  randomSeed,
  signTreeHead,
  signingKeyPairFromSeed,
  toBase64Url,
  toHex,
  treeHead,
  type KeyLogEntry,
  type SignedTreeHead,
} from '../../crypto';
import type { Database } from '../db';
import { NotFoundError, ValidationError } from '../errors';
import type { ServiceContext } from '../shared/context';
import { headOfSize, insertHead, insertLeaf, latestHead, latestLeafOf, leafHashes, lockKeyLog, serverSecret, type HeadRow } from './key-log.store';

/**
 * The log's signing key: from HAVEN_KEY_LOG_SEED when configured (keeps it out of the
 * database), otherwise generated once and kept in the database.
 */
async function logKeys(ctx: ServiceContext, db: Database = ctx.db): Promise<{ publicKey: Uint8Array; privateKey: Uint8Array }> {
  // Inside a transaction this must use the transaction: embedded PGlite has a single connection.
  const seed = ctx.config.HAVEN_KEY_LOG_SEED ?? (await serverSecret(db, 'key_log_seed', () => toBase64Url(randomSeed())));
  return signingKeyPairFromSeed(fromBase64Url(seed, 'key log seed'));
}

export async function logPublicKey(ctx: ServiceContext): Promise<string> {
  return toBase64Url((await logKeys(ctx)).publicKey);
}

const signedHead = (row: HeadRow): SignedTreeHead => ({
  v: 1,
  treeSize: row.treeSize,
  rootHash: row.rootHash,
  timestamp: row.timestamp,
  signature: row.signature,
});

/** Appends a leaf and signs the new head, inside the caller's transaction (one writer at a time). */
export async function appendToKeyLog(ctx: ServiceContext, tx: Database, entry: KeyLogEntry): Promise<void> {
  const keys = await logKeys(ctx, tx);
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
  return row ? signedHead(row) : null;
}

/** The user's newest log entry with its inclusion proof against the current head. */
export async function keyLogProof(ctx: ServiceContext, userId: string): Promise<{ entry: KeyLogEntry; index: number; proof: string[]; head: SignedTreeHead }> {
  const head = await latestHead(ctx.db);
  const leaf = head ? await latestLeafOf(ctx.db, userId, head.treeSize) : undefined;
  if (!head || !leaf) throw new NotFoundError('not_in_key_log', 'This user has no keys in the key log.');
  const hashes = (await leafHashes(ctx.db, head.treeSize)).map(fromHex);
  return { entry: leaf.entry as unknown as KeyLogEntry, index: leaf.seq, proof: inclusionProof(hashes, leaf.seq).map(toHex), head: signedHead(head) };
}

/** Proof that the current head extends the head of size `from` that a client kept. */
export async function keyLogConsistency(ctx: ServiceContext, from: number): Promise<{ proof: string[]; head: SignedTreeHead; from: SignedTreeHead | null }> {
  const head = await latestHead(ctx.db);
  if (!head) throw new NotFoundError('key_log_empty', 'The key log is empty.');
  if (from > head.treeSize) throw new ValidationError('The key log is not that long.', [{ path: 'from', message: `Ask for a size up to ${head.treeSize}` }]);
  const old = from === 0 ? null : await headOfSize(ctx.db, from);
  const hashes = (await leafHashes(ctx.db, head.treeSize)).map(fromHex);
  const proof = from === 0 || from === head.treeSize ? [] : consistencyProof(hashes, from).map(toHex);
  return { proof, head: signedHead(head), from: old ? signedHead(old) : null };
}
