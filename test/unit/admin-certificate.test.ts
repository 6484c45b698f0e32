import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminCertificateMessage,
  adminCertificateRevocationMessage,
  certifyAdmin,
  revokeAdminCertificate,
  verifyAdminCertificateRevocation,
  generateIdentity,
  MalformedInputError,
  parseTrustRoots,
  publicIdentity,
  ready,
  verifyAdminCertificate,
  type AdminCertificate,
  type AdminCertificateRevocation,
} from '../../crypto';

interface Vectors {
  seeds: { orgRoot: string; admin: string };
  orgRootPublicKey: string;
  certificates: { certificate: AdminCertificate; message: string; signature: string }[];
}
const vectors = JSON.parse(readFileSync(new URL('../vectors/admin-certificate-v1.json', import.meta.url), 'utf8')) as Vectors;
const b64 = (bytes: Uint8Array) => sodium.to_base64(bytes, sodium.base64_variants.URLSAFE_NO_PADDING);
let root: { publicKey: Uint8Array; privateKey: Uint8Array };

beforeAll(async () => {
  await ready();
  root = sodium.crypto_sign_seed_keypair(sodium.from_hex(vectors.seeds.orgRoot));
});

describe('admin certificate v1: known answers', () => {
  it('signs exactly the documented bytes and reproduces each signature', () => {
    expect(b64(root.publicKey)).toBe(vectors.orgRootPublicKey);
    for (const { certificate, message, signature } of vectors.certificates) {
      expect(new TextDecoder().decode(adminCertificateMessage(certificate))).toBe(message);
      expect(certifyAdmin(certificate, root.privateKey)).toBe(signature);
      expect(verifyAdminCertificate(certificate, signature, root.publicKey)).toBe(true);
    }
  });
});

interface RevocationVectors {
  orgRootPublicKey: string;
  revocations: { revocation: AdminCertificateRevocation; message: string; signature: string }[];
}
const revocationVectors = JSON.parse(readFileSync(new URL('../vectors/admin-certificate-revocation-v1.json', import.meta.url), 'utf8')) as RevocationVectors;

describe('admin certificate revocation v1: known answers and what it binds', () => {
  it('signs exactly the documented bytes and reproduces each signature (computed apart from crypto/)', () => {
    expect(revocationVectors.orgRootPublicKey).toBe(vectors.orgRootPublicKey);
    expect(revocationVectors.revocations.length).toBeGreaterThan(0);
    for (const { revocation, message, signature } of revocationVectors.revocations) {
      expect(new TextDecoder().decode(adminCertificateRevocationMessage(revocation))).toBe(message);
      expect(revokeAdminCertificate(revocation, root.privateKey)).toBe(signature);
      expect(verifyAdminCertificateRevocation(revocation, signature, root.publicKey)).toBe(true);
    }
  });

  it('fails when any field changes, or under another root; refuses malformed ones to sign and answers false to check', () => {
    const [vector] = revocationVectors.revocations;
    if (!vector) throw new Error('no vector');
    const r = vector.revocation;
    const changed: AdminCertificateRevocation[] = [
      { ...r, userId: '00000000-0000-4000-8000-000000000000' },
      { ...r, signPublicKey: publicIdentity(generateIdentity()).signPublicKey },
      { ...r, fromTreeSize: r.fromTreeSize + 1 },
      { ...r, revokedAt: '2026-12-07T01:00:00.000Z' },
    ];
    for (const c of changed) expect(verifyAdminCertificateRevocation(c, vector.signature, root.publicKey)).toBe(false);
    expect(verifyAdminCertificateRevocation(r, vector.signature, generateIdentity().signPublicKey)).toBe(false);
    const bad = [
      { ...r, v: 2 },
      { ...r, userId: '' },
      { ...r, signPublicKey: 'not a key' },
      { ...r, fromTreeSize: -1 },
      { ...r, fromTreeSize: 2.5 },
      { ...r, fromTreeSize: Number.MAX_SAFE_INTEGER + 1 },
      { ...r, revokedAt: '2026-02-30T00:00:00.000Z' },
    ] as AdminCertificateRevocation[];
    for (const b of bad) {
      expect(() => revokeAdminCertificate(b, root.privateKey)).toThrow(MalformedInputError);
      expect(verifyAdminCertificateRevocation(b, vector.signature, root.publicKey)).toBe(false);
    }
    // A revocation and a certificate can never be taken for each other: different labels.
    expect(verifyAdminCertificate(r as unknown as AdminCertificate, vector.signature, root.publicKey)).toBe(false);
  });
});

describe('admin certificate v1: what it binds', () => {
  const [agencyCert] = vectors.certificates;
  if (!agencyCert) throw new Error('no vector');
  it('fails when any field changes, or under another root', () => {
    const other = publicIdentity(generateIdentity()).signPublicKey;
    const changed: AdminCertificate[] = [
      { ...agencyCert.certificate, userId: '00000000-0000-4000-8000-000000000000' },
      { ...agencyCert.certificate, agencyId: '00000000-0000-4000-8000-000000000001' },
      { ...agencyCert.certificate, role: 'system_admin', agencyId: null },
      { ...agencyCert.certificate, signPublicKey: other },
      { ...agencyCert.certificate, issuedAt: '2026-12-05T09:30:00.000Z' },
    ];
    for (const cert of changed) expect(verifyAdminCertificate(cert, agencyCert.signature, root.publicKey)).toBe(false);
    expect(verifyAdminCertificate(agencyCert.certificate, agencyCert.signature, generateIdentity().signPublicKey)).toBe(false);
  });

  it('refuses malformed certificates when signing, and answers false (never throws) when checking', () => {
    const bad: AdminCertificate[] = [
      { ...agencyCert.certificate, agencyId: null },
      { ...agencyCert.certificate, role: 'system_admin' },
      { ...agencyCert.certificate, role: 'practitioner' as 'agency_admin' },
      { ...agencyCert.certificate, signPublicKey: 'B'.repeat(43) },
      { ...agencyCert.certificate, issuedAt: '2026-02-30T00:00:00.000Z' },
      { ...agencyCert.certificate, v: 2 as 1 },
    ];
    for (const cert of bad) {
      expect(() => certifyAdmin(cert, root.privateKey)).toThrow(MalformedInputError);
      expect(verifyAdminCertificate(cert, agencyCert.signature, root.publicKey)).toBe(false);
    }
    fc.assert(
      fc.property(fc.string(), (signature) => {
        expect(verifyAdminCertificate(agencyCert.certificate, signature, root.publicKey)).toBe(false);
      }),
    );
  });
});

describe('trust roots', () => {
  it('accepts two valid Ed25519 keys and refuses anything else, naming what is wrong', () => {
    const key = publicIdentity(generateIdentity()).signPublicKey;
    expect(parseTrustRoots({ v: 1, keyLogPublicKey: key, orgRootPublicKey: vectors.orgRootPublicKey, extra: 1 })).toEqual({
      v: 1,
      keyLogPublicKey: key,
      orgRootPublicKey: vectors.orgRootPublicKey,
    });
    expect(() => parseTrustRoots(null)).toThrow(/object/);
    expect(() => parseTrustRoots({ v: 2, keyLogPublicKey: key, orgRootPublicKey: key })).toThrow(/version/);
    expect(() => parseTrustRoots({ v: 1, keyLogPublicKey: 'B'.repeat(43), orgRootPublicKey: key })).toThrow(/keyLogPublicKey/);
    expect(() => parseTrustRoots({ v: 1, keyLogPublicKey: key })).toThrow(/orgRootPublicKey/);
  });
});
