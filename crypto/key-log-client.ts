import { checkKeyAgainstLog, type KeyInclusionFailure, type KeyLogCheck, type KeyLogEntry, type SignedTreeHead } from './key-log';
import { keyFingerprint, type PublicIdentity } from './identity';
import { checkKeyTrust, type KeyTrust, type SignedAdminCertificate, type SignedAdminCertificateRevocation } from './key-trust';

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

/**
 * Everything a client checks before it seals to someone or trusts their signature: their keys
 * are their newest entry in the signed log (checkPublishedKeys), and who vouches for exactly
 * those keys (checkKeyTrust). The log's and the organisation root's public keys come from the
 * client's build (its trust roots), never from the server. A key that is in the log but vouched
 * for by nobody is `ok` with `trust.vouched` false: the caller decides (docs/key-log.md, "What a
 * client does with an unconfirmed key").
 */
export function checkCorrespondentKeys(input: {
  userId: string;
  agencyId: string | null;
  keys: PublicIdentity;
  log: { entry: KeyLogEntry; index: number; proof: readonly string[]; head: SignedTreeHead };
  certificates: readonly SignedAdminCertificate[];
  revocations: readonly SignedAdminCertificateRevocation[];
  trustRoots: { keyLogPublicKey: Uint8Array; orgRootPublicKey: Uint8Array };
}): { ok: true; fingerprint: string; trust: KeyTrust } | { ok: false; reason: KeyInclusionFailure | 'key_mismatch' } {
  const inLog = checkPublishedKeys({ userId: input.userId, keys: input.keys, log: input.log, logPublicKey: input.trustRoots.keyLogPublicKey });
  if (!inLog.ok) return inLog;
  const trust = checkKeyTrust({
    entry: input.log.entry,
    entryIndex: input.log.index,
    agencyId: input.agencyId,
    certificates: input.certificates,
    revocations: input.revocations,
    orgRootPublicKey: input.trustRoots.orgRootPublicKey,
  });
  return { ok: true, fingerprint: input.log.entry.fingerprint, trust };
}
