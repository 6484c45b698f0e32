import { checkLogGrowth, verifyTreeHead, type SignedTreeHead } from './key-log';

/**
 * What comparing this device's newest head with one another client saw (from the signed header
 * of an envelope v2) shows:
 * - `same`: the same head;
 * - `consistent`: one log grew from the other; `newer` is the larger head, which this device may keep;
 * - `fork`: the log key signed two histories that cannot both be true (same size, different
 *   roots; or a larger head that does not extend the smaller): the server is showing people
 *   different logs, and both heads go to the system admins;
 * - `unchecked`: the other head is not signed by the log key of this client's trust roots, or
 *   the server gave no usable proof; nothing can be concluded (the reason says which).
 * `proof` is the consistency proof from the smaller head's size to the larger's, as the server
 * sends it (unused when the sizes are equal). Pure: the caller fetches the proof.
 */
export type HeadComparison =
  | { result: 'same' }
  | { result: 'consistent'; newer: SignedTreeHead }
  | { result: 'fork'; heads: [SignedTreeHead, SignedTreeHead] }
  | { result: 'unchecked'; reason: 'their_head_not_signed' | 'my_head_not_signed' | 'bad_proof' };

export function compareSeenHeads(input: { mine: SignedTreeHead; theirs: SignedTreeHead; proof: readonly string[]; logPublicKey: Uint8Array }): HeadComparison {
  const { mine, theirs, logPublicKey } = input;
  if (!verifyTreeHead(theirs, logPublicKey)) return { result: 'unchecked', reason: 'their_head_not_signed' };
  if (!verifyTreeHead(mine, logPublicKey)) return { result: 'unchecked', reason: 'my_head_not_signed' };
  if (mine.treeSize === theirs.treeSize) return mine.rootHash === theirs.rootHash ? { result: 'same' } : { result: 'fork', heads: [mine, theirs] };
  const [smaller, larger] = mine.treeSize < theirs.treeSize ? [mine, theirs] : [theirs, mine];
  const grown = checkLogGrowth({ oldHead: smaller, newHead: larger, proof: input.proof, logPublicKey });
  if (grown.ok) return { result: 'consistent', newer: larger };
  if (grown.reason === 'inconsistent') return { result: 'fork', heads: [mine, theirs] };
  return { result: 'unchecked', reason: 'bad_proof' };
}
