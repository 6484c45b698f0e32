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
  // Round-tripping also refuses impossible dates such as 2026-02-30, which Date would roll over.
  const issued = typeof cert.issuedAt === 'string' && ISO_UTC_MS.test(cert.issuedAt) ? new Date(cert.issuedAt) : null;
  if (!issued || Number.isNaN(issued.getTime()) || issued.toISOString() !== cert.issuedAt) {
    throw new MalformedInputError('issuedAt must be ISO 8601 UTC with milliseconds');
  }
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

/** The organisation root's signature over the certificate, base64url. */
export function certifyAdmin(cert: AdminCertificate, orgRootPrivateKey: Uint8Array): string {
  const s = sodium();
  if (orgRootPrivateKey.length !== s.crypto_sign_SECRETKEYBYTES) throw new MalformedInputError('the organisation root key has the wrong length');
  return toBase64Url(s.crypto_sign_detached(adminCertificateMessage(cert), orgRootPrivateKey));
}

/** True when `signature` is the root's over exactly this certificate; false (never a throw) otherwise. */
export function verifyAdminCertificate(cert: AdminCertificate, signature: string, orgRootPublicKey: Uint8Array): boolean {
  try {
    const s = sodium();
    const bytes = fromBase64Url(signature, 'signature');
    if (bytes.length !== s.crypto_sign_BYTES || orgRootPublicKey.length !== s.crypto_sign_PUBLICKEYBYTES) return false;
    return s.crypto_sign_verify_detached(bytes, adminCertificateMessage(cert), orgRootPublicKey);
  } catch {
    return false;
  }
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
