import { checkKeyAgainstLog, type KeyInclusionFailure, type KeyLogCheck, type KeyLogEntry, type SignedTreeHead } from './key-log';
import { keyFingerprint, type PublicIdentity } from './identity';

/**
 * What a client checks before it uses someone's public keys: the keys the directory handed
 * over are the ones in that person's newest log entry, and that entry is in the signed log.
 * A server that swaps a key in its directory without logging it fails here (`key_mismatch`);
 * one that rewrites the log fails the inclusion proof or, if it re-signs, the client's
 * consistency check against the head it kept (checkLogGrowth).
 */
export function checkPublishedKeys(input: {
  userId: string;
  keys: PublicIdentity;
  log: { entry: KeyLogEntry; index: number; proof: readonly string[]; head: SignedTreeHead };
  logPublicKey: Uint8Array;
}): KeyLogCheck<KeyInclusionFailure | 'key_mismatch'> {
  const { entry } = input.log;
  let fingerprint: string;
  try {
    fingerprint = keyFingerprint(input.keys);
  } catch {
    return { ok: false, reason: 'key_mismatch' };
  }
  if (
    entry.userId !== input.userId ||
    entry.fingerprint !== fingerprint ||
    entry.signPublicKey !== input.keys.signPublicKey ||
    entry.boxPublicKey !== input.keys.boxPublicKey
  ) {
    return { ok: false, reason: 'key_mismatch' };
  }
  return checkKeyAgainstLog({ ...input.log, logPublicKey: input.logPublicKey });
}
