import { verifyAdminCertificate, verifyAdminCertificateRevocation, type AdminCertificate, type AdminCertificateRevocation } from './admin-certificate';
import { fromBase64Url } from './bytes';
import { verifyAttestation, type KeyLogEntry } from './key-log';

/** An admin certificate as the server hands it over: checked here, never trusted. */
export interface SignedAdminCertificate {
  certificate: AdminCertificate;
  signature: string;
}

/** A revocation as the server hands it over (or as this device kept it): checked here, never trusted. */
export interface SignedAdminCertificateRevocation {
  revocation: AdminCertificateRevocation;
  signature: string;
}

/** Who vouches for a key, from certificates the organisation root signed. */
export interface KeyVoucher {
  /** `attested`: an admin attested the key; `certified`: the key is an admin's own, certified by the organisation root. */
  kind: 'attested' | 'certified';
  adminId: string;
  role: AdminCertificate['role'];
  agencyId: string | null;
}

/**
 * Why a key is not vouched for. `not_attested`: no admin has attested it yet (a new or replaced
 * key, the normal state until the agency confirms it). The others mean an attestation is there
 * but does not count: its author holds no certificate from the organisation root, the root revoked
 * it for entries logged where this one is, the author is an admin of another agency, or did not
 * sign this exact key.
 */
export type UnvouchedReason = 'not_attested' | 'attester_not_certified' | 'attester_revoked' | 'attester_other_agency' | 'bad_attestation';

export type KeyTrust = { vouched: true; by: KeyVoucher } | { vouched: false; reason: UnvouchedReason };

/**
 * Client side, after checkPublishedKeys has shown `entry` to be the person's newest key-log entry,
 * at leaf `entryIndex`: does someone the organisation root certified vouch for exactly these keys?
 * Either the entry carries an attestation of this user id and fingerprint by an admin of the
 * person's agency (or a system admin), whose signing key a valid certificate binds; or the keys are
 * an admin's own, bound by their certificate. A certificate counts only if no revocation the root
 * signed covers its key from this entry's index on. `orgRootPublicKey` comes from the client's
 * build, never from the server, so a database that adds rows can add no voucher a client accepts
 * (one that drops a revocation row is what a client's kept revocations are for). Never throws:
 * anything malformed vouches for nothing, and a malformed revocation revokes nothing.
 */
export function checkKeyTrust(input: {
  entry: KeyLogEntry;
  /** The entry's leaf index in the log (its inclusion proof fixes it). */
  entryIndex: number;
  /** The person's agency, as the directory says (an attacker who changes it still needs that agency's admin to sign); null for a system admin, whom only a system admin vouches for. */
  agencyId: string | null;
  certificates: readonly SignedAdminCertificate[];
  revocations: readonly SignedAdminCertificateRevocation[];
  orgRootPublicKey: Uint8Array;
}): KeyTrust {
  const { entry } = input;
  const valid = input.certificates.filter((c) => verifyAdminCertificate(c.certificate, c.signature, input.orgRootPublicKey)).map((c) => c.certificate);
  const revoked = input.revocations
    .filter((r) => verifyAdminCertificateRevocation(r.revocation, r.signature, input.orgRootPublicKey))
    .map((r) => r.revocation)
    .filter((r) => input.entryIndex >= r.fromTreeSize);
  const inForce = valid.filter((c) => !revoked.some((r) => r.userId === c.userId && r.signPublicKey === c.signPublicKey));
  const own = inForce.find((c) => c.userId === entry.userId && c.signPublicKey === entry.signPublicKey);
  if (own) return { vouched: true, by: voucher('certified', own) };
  if (entry.attestedBy === null || entry.attestation === null) return { vouched: false, reason: 'not_attested' };
  const attester = inForce.filter((c) => c.userId === entry.attestedBy);
  if (attester.length === 0) {
    return { vouched: false, reason: valid.some((c) => c.userId === entry.attestedBy) ? 'attester_revoked' : 'attester_not_certified' };
  }
  const inScope = attester.filter((c) => c.role === 'system_admin' || c.agencyId === input.agencyId);
  if (inScope.length === 0) return { vouched: false, reason: 'attester_other_agency' };
  const binding = { userId: entry.userId, fingerprint: entry.fingerprint };
  const signer = inScope.find((c) => verifyAttestation(binding, entry.attestation ?? '', decodeKey(c.signPublicKey)));
  return signer ? { vouched: true, by: voucher('attested', signer) } : { vouched: false, reason: 'bad_attestation' };
}

/**
 * What a device keeps of the revocations it has been shown: those it kept before and the new
 * answer's, each verified against the organisation root, once each. A server that later leaves
 * one out (or a database that lost the row) cannot take it back from a device that saw it; a row
 * the root did not sign is never kept. Never throws.
 */
export function keepRevocations(
  kept: readonly SignedAdminCertificateRevocation[],
  fresh: readonly SignedAdminCertificateRevocation[],
  orgRootPublicKey: Uint8Array,
): SignedAdminCertificateRevocation[] {
  const bySignature = new Map<string, SignedAdminCertificateRevocation>();
  for (const r of [...kept, ...fresh]) {
    if (typeof r?.signature !== 'string' || bySignature.has(r.signature)) continue;
    if (verifyAdminCertificateRevocation(r.revocation, r.signature, orgRootPublicKey))
      bySignature.set(r.signature, { revocation: { ...r.revocation }, signature: r.signature });
  }
  return [...bySignature.values()];
}

function voucher(kind: KeyVoucher['kind'], cert: AdminCertificate): KeyVoucher {
  return { kind, adminId: cert.userId, role: cert.role, agencyId: cert.agencyId };
}

// A certificate that verified has a well-formed key; an empty array simply verifies nothing.
function decodeKey(key: string): Uint8Array {
  try {
    return fromBase64Url(key, 'signPublicKey');
  } catch {
    return new Uint8Array();
  }
}
