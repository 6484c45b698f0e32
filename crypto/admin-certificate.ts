import { sodium } from './sodium';
import { canonicalJson } from './canonical-json';
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from './bytes';
import { MalformedInputError } from './errors';
import { isEncodedPublicKey } from './key-possession';

/**
 * Admin certificate v1: the installation's organisation root (an Ed25519 key kept offline, set at
 * install time) certifies that an admin's signing key is theirs and what they may attest for.
 * Clients hold the root's public key from their build's configuration, never from the server,
 * so a certificate is the one thing that lets an admin's attestation of someone's keys count
 * (docs/key-log.md, "Trust roots" and "Admin certificates"). Signed bytes:
 * "haven/admin-certificate/v1" ‖ 0x00 ‖ JCS(certificate).
 */
export const ADMIN_CERTIFICATE_LABEL = 'haven/admin-certificate/v1';

export interface AdminCertificate {
  v: 1;
  userId: string;
  role: 'agency_admin' | 'system_admin';
  /** The agency an agency admin attests for; null for a system admin. */
  agencyId: string | null;
  /** The admin's Ed25519 identity key, base64url. */
  signPublicKey: string;
  /** ISO 8601 UTC with milliseconds. */
  issuedAt: string;
}

/** What a client is configured with at install time (never taken from an API answer). */
export interface TrustRoots {
  v: 1;
  /** Verifies the key log's signed tree heads. */
  keyLogPublicKey: string;
  /** Verifies admin certificates. */
  orgRootPublicKey: string;
}

const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function checkCertificate(cert: AdminCertificate): void {
  if (cert.v !== 1) throw new MalformedInputError('unsupported admin certificate version');
  if (typeof cert.userId !== 'string' || cert.userId.length === 0) throw new MalformedInputError('userId must be a user id');
  if (cert.role === 'agency_admin') {
    if (typeof cert.agencyId !== 'string' || cert.agencyId.length === 0) throw new MalformedInputError('an agency admin’s certificate names their agency');
  } else if (cert.role === 'system_admin') {
    if (cert.agencyId !== null) throw new MalformedInputError('a system admin’s certificate names no agency');
  } else {
    throw new MalformedInputError('role must be agency_admin or system_admin');
  }
  if (!isEncodedPublicKey(cert.signPublicKey, 'sign')) throw new MalformedInputError('signPublicKey is not a valid Ed25519 public key');
  checkInstant(cert.issuedAt, 'issuedAt');
}

function checkInstant(value: unknown, name: string): void {
  // Round-tripping also refuses impossible dates such as 2026-02-30, which Date would roll over.
  const at = typeof value === 'string' && ISO_UTC_MS.test(value) ? new Date(value) : null;
  if (!at || Number.isNaN(at.getTime()) || at.toISOString() !== value) throw new MalformedInputError(`${name} must be ISO 8601 UTC with milliseconds`);
}

/** The signed bytes. Picked field by field, so nothing else on the object can change them. Throws MalformedInputError. */
export function adminCertificateMessage(cert: AdminCertificate): Uint8Array {
  checkCertificate(cert);
  const body: AdminCertificate = {
    v: cert.v,
    userId: cert.userId,
    role: cert.role,
    agencyId: cert.agencyId,
    signPublicKey: cert.signPublicKey,
    issuedAt: cert.issuedAt,
  };
  return concatBytes(utf8(`${ADMIN_CERTIFICATE_LABEL}\u0000`), utf8(canonicalJson(body)));
}

/** The organisation root's detached signature over `message`, base64url. */
function signAsRoot(message: Uint8Array, orgRootPrivateKey: Uint8Array): string {
  const s = sodium();
  if (orgRootPrivateKey.length !== s.crypto_sign_SECRETKEYBYTES) throw new MalformedInputError('the organisation root key has the wrong length');
  return toBase64Url(s.crypto_sign_detached(message, orgRootPrivateKey));
}

/** True when `signature` is the root's over the bytes `message()` makes; false (never a throw) for anything malformed. */
function signedByRoot(message: () => Uint8Array, signature: string, orgRootPublicKey: Uint8Array): boolean {
  try {
    const s = sodium();
    const bytes = fromBase64Url(signature, 'signature');
    if (bytes.length !== s.crypto_sign_BYTES || orgRootPublicKey.length !== s.crypto_sign_PUBLICKEYBYTES) return false;
    return s.crypto_sign_verify_detached(bytes, message(), orgRootPublicKey);
  } catch {
    return false;
  }
}

/** The organisation root's signature over the certificate, base64url. */
export function certifyAdmin(cert: AdminCertificate, orgRootPrivateKey: Uint8Array): string {
  return signAsRoot(adminCertificateMessage(cert), orgRootPrivateKey);
}

/** True when `signature` is the root's over exactly this certificate; false (never a throw) otherwise. */
export function verifyAdminCertificate(cert: AdminCertificate, signature: string, orgRootPublicKey: Uint8Array): boolean {
  return signedByRoot(() => adminCertificateMessage(cert), signature, orgRootPublicKey);
}

/**
 * Admin certificate revocation v1: the organisation root withdraws its word for an admin's signing
 * key — they left the role, or the key may be in someone else's hands. It names the key (every
 * certificate of that key, whatever role it gave), and the key-log size from which nothing that key
 * vouches for counts: an attestation in a log entry at leaf index `fromTreeSize` or later, or the
 * admin's own keys logged there. Entries logged before stay vouched for (the log fixes their order,
 * docs/key-log.md), so an admin who leaves does not undo every confirmation they gave; `0` takes
 * back everything the key ever vouched for (a key that may have been stolen before anyone knew).
 * Signed bytes: "haven/admin-certificate-revocation/v1" ‖ 0x00 ‖ JCS(revocation).
 */
export const ADMIN_CERTIFICATE_REVOCATION_LABEL = 'haven/admin-certificate-revocation/v1';

export interface AdminCertificateRevocation {
  v: 1;
  userId: string;
  /** The revoked Ed25519 key, base64url, as the certificates name it. */
  signPublicKey: string;
  /** Key-log entries at this leaf index or later get nothing from this key. */
  fromTreeSize: number;
  /** ISO 8601 UTC with milliseconds. */
  revokedAt: string;
}

function checkRevocation(r: AdminCertificateRevocation): void {
  if (r.v !== 1) throw new MalformedInputError('unsupported admin certificate revocation version');
  if (typeof r.userId !== 'string' || r.userId.length === 0) throw new MalformedInputError('userId must be a user id');
  if (!isEncodedPublicKey(r.signPublicKey, 'sign')) throw new MalformedInputError('signPublicKey is not a valid Ed25519 public key');
  if (!Number.isSafeInteger(r.fromTreeSize) || r.fromTreeSize < 0) throw new MalformedInputError('fromTreeSize must be a whole number of at least 0');
  checkInstant(r.revokedAt, 'revokedAt');
}

/** The signed bytes of a revocation, picked field by field. Throws MalformedInputError. */
export function adminCertificateRevocationMessage(r: AdminCertificateRevocation): Uint8Array {
  checkRevocation(r);
  const body: AdminCertificateRevocation = { v: r.v, userId: r.userId, signPublicKey: r.signPublicKey, fromTreeSize: r.fromTreeSize, revokedAt: r.revokedAt };
  return concatBytes(utf8(`${ADMIN_CERTIFICATE_REVOCATION_LABEL}\u0000`), utf8(canonicalJson(body)));
}

/** The organisation root's signature over the revocation, base64url. */
export function revokeAdminCertificate(r: AdminCertificateRevocation, orgRootPrivateKey: Uint8Array): string {
  return signAsRoot(adminCertificateRevocationMessage(r), orgRootPrivateKey);
}

/** True when `signature` is the root's over exactly this revocation; false (never a throw) otherwise. */
export function verifyAdminCertificateRevocation(r: AdminCertificateRevocation, signature: string, orgRootPublicKey: Uint8Array): boolean {
  return signedByRoot(() => adminCertificateRevocationMessage(r), signature, orgRootPublicKey);
}

/** Reads trust roots from untrusted JSON (a configuration file); throws MalformedInputError naming what is wrong. */
export function parseTrustRoots(value: unknown): TrustRoots {
  if (typeof value !== 'object' || value === null) throw new MalformedInputError('trust roots must be an object');
  const roots = value as Record<string, unknown>;
  if (roots['v'] !== 1) throw new MalformedInputError('unsupported trust roots version');
  const keyLog = roots['keyLogPublicKey'];
  const orgRoot = roots['orgRootPublicKey'];
  if (typeof keyLog !== 'string' || !isEncodedPublicKey(keyLog, 'sign')) throw new MalformedInputError('keyLogPublicKey is not a valid Ed25519 public key');
  if (typeof orgRoot !== 'string' || !isEncodedPublicKey(orgRoot, 'sign')) throw new MalformedInputError('orgRootPublicKey is not a valid Ed25519 public key');
  return { v: 1, keyLogPublicKey: keyLog, orgRootPublicKey: orgRoot };
}
