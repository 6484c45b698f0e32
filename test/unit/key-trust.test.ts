import { beforeAll, describe, expect, it } from 'vitest';
import {
  attestKey,
  certifyAdmin,
  checkCorrespondentKeys,
  checkKeyTrust,
  keepRevocations,
  revokeAdminCertificate,
  inclusionProof,
  keyLogLeafHash,
  signTreeHead,
  toHex,
  treeHead,
  generateIdentity,
  keyFingerprint,
  publicIdentity,
  ready,
  type AdminCertificate,
  type AdminCertificateRevocation,
  type IdentityKeys,
  type KeyLogEntry,
  type SignedAdminCertificate,
  type SignedAdminCertificateRevocation,
} from '../../crypto';
import fc from 'fast-check';

const AGENCY = 'a0000000-0000-4000-8000-000000000001';
const OTHER_AGENCY = 'a0000000-0000-4000-8000-000000000002';
const USER = 'u0000000-0000-4000-8000-000000000001';
const ADMIN = 'u0000000-0000-4000-8000-0000000000a1';
const SYSADMIN = 'u0000000-0000-4000-8000-0000000000s1';
const issuedAt = '2026-12-04T09:00:00.000Z';

let root: IdentityKeys;
let otherRoot: IdentityKeys;
let user: IdentityKeys;
let admin: IdentityKeys;
let sysadmin: IdentityKeys;

beforeAll(async () => {
  await ready();
  [root, otherRoot, user, admin, sysadmin] = [generateIdentity(), generateIdentity(), generateIdentity(), generateIdentity(), generateIdentity()];
});

function certificate(userId: string, keys: IdentityKeys, role: AdminCertificate['role'], agencyId: string | null, by = root): SignedAdminCertificate {
  const cert: AdminCertificate = { v: 1, userId, role, agencyId, signPublicKey: publicIdentity(keys).signPublicKey, issuedAt };
  return { certificate: cert, signature: certifyAdmin(cert, by.signPrivateKey) };
}

function entry(userId: string, keys: IdentityKeys, attestedBy: { id: string; keys: IdentityKeys } | null): KeyLogEntry {
  const pub = publicIdentity(keys);
  const fingerprint = keyFingerprint(pub);
  return {
    v: 1,
    userId,
    ...pub,
    fingerprint,
    attestedBy: attestedBy?.id ?? null,
    attestation: attestedBy ? attestKey({ userId, fingerprint }, attestedBy.keys.signPrivateKey) : null,
    loggedAt: issuedAt,
  };
}

const check = (
  e: KeyLogEntry,
  certificates: SignedAdminCertificate[],
  agencyId: string | null = AGENCY,
  revocations: SignedAdminCertificateRevocation[] = [],
  entryIndex = 5,
) => checkKeyTrust({ entry: e, entryIndex, agencyId, certificates, revocations, orgRootPublicKey: root.signPublicKey });

function revocation(userId: string, keys: IdentityKeys, fromTreeSize: number, by = root): SignedAdminCertificateRevocation {
  const r: AdminCertificateRevocation = {
    v: 1,
    userId,
    signPublicKey: publicIdentity(keys).signPublicKey,
    fromTreeSize,
    revokedAt: '2026-12-06T01:00:00.000Z',
  };
  return { revocation: r, signature: revokeAdminCertificate(r, by.signPrivateKey) };
}

describe('checkKeyTrust: who vouches for a key', () => {
  it('an attestation by a certified admin of the person’s agency vouches, naming the admin', () => {
    expect(check(entry(USER, user, { id: ADMIN, keys: admin }), [certificate(ADMIN, admin, 'agency_admin', AGENCY)])).toEqual({
      vouched: true,
      by: { kind: 'attested', adminId: ADMIN, role: 'agency_admin', agencyId: AGENCY },
    });
  });

  it('an attestation by a certified system admin vouches for anyone, in any agency', () => {
    const certs = [certificate(SYSADMIN, sysadmin, 'system_admin', null)];
    for (const agency of [AGENCY, OTHER_AGENCY]) {
      expect(check(entry(USER, user, { id: SYSADMIN, keys: sysadmin }), certs, agency)).toEqual({
        vouched: true,
        by: { kind: 'attested', adminId: SYSADMIN, role: 'system_admin', agencyId: null },
      });
    }
  });

  it('a person of no agency (a system admin) is vouched for by a system admin only', () => {
    const byAgencyAdmin = entry(USER, user, { id: ADMIN, keys: admin });
    expect(check(byAgencyAdmin, [certificate(ADMIN, admin, 'agency_admin', AGENCY)], null)).toEqual({
      vouched: false,
      reason: 'attester_other_agency',
    });
    const bySystemAdmin = entry(USER, user, { id: SYSADMIN, keys: sysadmin });
    expect(check(bySystemAdmin, [certificate(SYSADMIN, sysadmin, 'system_admin', null)], null)).toMatchObject({ vouched: true });
  });

  it('an admin’s own keys are vouched for by their certificate, attested or not', () => {
    const certs = [certificate(ADMIN, admin, 'agency_admin', AGENCY)];
    expect(check(entry(ADMIN, admin, null), certs)).toEqual({
      vouched: true,
      by: { kind: 'certified', adminId: ADMIN, role: 'agency_admin', agencyId: AGENCY },
    });
  });

  it('an admin who replaced their keys is not vouched for by the certificate of the old ones', () => {
    const certs = [certificate(ADMIN, admin, 'agency_admin', AGENCY)];
    expect(check(entry(ADMIN, generateIdentity(), null), certs)).toEqual({ vouched: false, reason: 'not_attested' });
  });

  it('a key nobody attested is not vouched for', () => {
    expect(check(entry(USER, user, null), [certificate(ADMIN, admin, 'agency_admin', AGENCY)])).toEqual({ vouched: false, reason: 'not_attested' });
    expect(check(entry(USER, user, null), [])).toEqual({ vouched: false, reason: 'not_attested' });
  });
});

describe('checkKeyTrust: what a database can add does not count', () => {
  it('an attester with no certificate, or one the organisation root did not sign, does not vouch', () => {
    const attested = entry(USER, user, { id: ADMIN, keys: admin });
    expect(check(attested, [])).toEqual({ vouched: false, reason: 'attester_not_certified' });
    // A certificate row added to the database, signed by a key the database holds.
    expect(check(attested, [certificate(ADMIN, admin, 'agency_admin', AGENCY, otherRoot)])).toEqual({ vouched: false, reason: 'attester_not_certified' });
    // A genuine certificate whose fields were edited afterwards.
    const genuine = certificate(ADMIN, admin, 'agency_admin', OTHER_AGENCY);
    const edited = { ...genuine, certificate: { ...genuine.certificate, agencyId: AGENCY } };
    expect(check(attested, [edited])).toEqual({ vouched: false, reason: 'attester_not_certified' });
    // A genuine certificate of someone else, relabelled with the attester's id.
    const someoneElse = certificate(SYSADMIN, admin, 'system_admin', null);
    const relabelled = { ...someoneElse, certificate: { ...someoneElse.certificate, userId: ADMIN } };
    expect(check(attested, [relabelled])).toEqual({ vouched: false, reason: 'attester_not_certified' });
  });

  it('an admin of another agency does not vouch', () => {
    const attested = entry(USER, user, { id: ADMIN, keys: admin });
    expect(check(attested, [certificate(ADMIN, admin, 'agency_admin', OTHER_AGENCY)])).toEqual({ vouched: false, reason: 'attester_other_agency' });
  });

  it('an attestation of other keys, of another user, or by another key than the certified one does not vouch', () => {
    const certs = [certificate(ADMIN, admin, 'agency_admin', AGENCY)];
    const genuine = entry(USER, user, { id: ADMIN, keys: admin });
    // The database swaps in a fake key but keeps the attestation of the real one.
    const fake = entry(USER, generateIdentity(), null);
    expect(check({ ...fake, attestedBy: ADMIN, attestation: genuine.attestation }, certs)).toEqual({ vouched: false, reason: 'bad_attestation' });
    // The attestation of another user's keys, replayed.
    const otherUser = entry('u0000000-0000-4000-8000-000000000002', user, { id: ADMIN, keys: admin });
    expect(check({ ...genuine, attestation: otherUser.attestation }, certs)).toEqual({ vouched: false, reason: 'bad_attestation' });
    // Signed by a key that is not the one the certificate binds.
    expect(check(entry(USER, user, { id: ADMIN, keys: generateIdentity() }), certs)).toEqual({ vouched: false, reason: 'bad_attestation' });
  });

  it('the admin’s own certificate cannot be borrowed for another user’s keys', () => {
    // The database gives a practitioner the admin's certified signing key: checkPublishedKeys would
    // refuse the key pair elsewhere, and here the certificate names another user.
    const certs = [certificate(ADMIN, admin, 'agency_admin', AGENCY)];
    expect(check(entry(USER, admin, null), certs)).toEqual({ vouched: false, reason: 'not_attested' });
  });

  it('never throws on malformed certificates or attestations', () => {
    const attested = entry(USER, user, { id: ADMIN, keys: admin });
    const junk = [
      { certificate: { v: 2 } as unknown as AdminCertificate, signature: 'x' },
      { certificate: { ...certificate(ADMIN, admin, 'agency_admin', AGENCY).certificate, signPublicKey: '!!' }, signature: '' },
      null as unknown as SignedAdminCertificate,
    ].filter(Boolean);
    expect(check(attested, junk)).toEqual({ vouched: false, reason: 'attester_not_certified' });
    expect(check({ ...attested, attestation: 'not base64 at all!' }, [certificate(ADMIN, admin, 'agency_admin', AGENCY)])).toEqual({
      vouched: false,
      reason: 'bad_attestation',
    });
  });
});

describe('checkKeyTrust: revoked certificates', () => {
  const certs = () => [certificate(ADMIN, admin, 'agency_admin', AGENCY)];
  const attested = () => entry(USER, user, { id: ADMIN, keys: admin });

  it('an attestation logged before the size a revocation names still vouches; one logged at or after it does not', () => {
    const revoked = [revocation(ADMIN, admin, 7)];
    expect(check(attested(), certs(), AGENCY, revoked, 6)).toMatchObject({ vouched: true, by: { adminId: ADMIN } });
    expect(check(attested(), certs(), AGENCY, revoked, 7)).toEqual({ vouched: false, reason: 'attester_revoked' });
    expect(check(attested(), certs(), AGENCY, revoked, 70)).toEqual({ vouched: false, reason: 'attester_revoked' });
  });

  it('for any index and any size revoked from: vouched exactly when the entry was logged before it', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1000 }), fc.nat({ max: 1000 }), (index, from) => {
        const trust = check(attested(), certs(), AGENCY, [revocation(ADMIN, admin, from)], index);
        expect(trust.vouched).toBe(index < from);
      }),
      { numRuns: 40 },
    );
  });

  it('revoked from 0, nothing the key ever vouched for counts, the admin’s own keys included', () => {
    const revoked = [revocation(ADMIN, admin, 0)];
    expect(check(attested(), certs(), AGENCY, revoked, 0)).toEqual({ vouched: false, reason: 'attester_revoked' });
    expect(check(entry(ADMIN, admin, null), certs(), AGENCY, revoked, 0)).toEqual({ vouched: false, reason: 'not_attested' });
    // Someone else’s certificate still stands, and their attestation of the admin’s keys still counts.
    const sys = [...certs(), certificate(SYSADMIN, sysadmin, 'system_admin', null)];
    expect(check(entry(ADMIN, admin, { id: SYSADMIN, keys: sysadmin }), sys, AGENCY, revoked, 3)).toMatchObject({ vouched: true, by: { adminId: SYSADMIN } });
  });

  it('a revocation of the admin’s old key leaves the certificate of their new key standing', () => {
    const newKeys = generateIdentity();
    const both = [...certs(), certificate(ADMIN, newKeys, 'agency_admin', AGENCY)];
    expect(check(entry(USER, user, { id: ADMIN, keys: newKeys }), both, AGENCY, [revocation(ADMIN, admin, 0)], 9)).toMatchObject({ vouched: true });
  });

  it('a revocation the root did not sign, or one whose fields were edited, revokes nothing; junk never throws', () => {
    const byOtherRoot = revocation(ADMIN, admin, 0, otherRoot);
    expect(check(attested(), certs(), AGENCY, [byOtherRoot], 9)).toMatchObject({ vouched: true });
    // A genuine revocation from size 100 edited to 0 (or moved to another user) no longer verifies.
    const genuine = revocation(ADMIN, admin, 100);
    expect(check(attested(), certs(), AGENCY, [{ ...genuine, revocation: { ...genuine.revocation, fromTreeSize: 0 } }], 9)).toMatchObject({ vouched: true });
    expect(check(attested(), certs(), AGENCY, [{ ...genuine, revocation: { ...genuine.revocation, userId: SYSADMIN } }], 200)).toMatchObject({ vouched: true });
    const junk = [
      { revocation: { v: 2 } as unknown as AdminCertificateRevocation, signature: 'x' },
      { revocation: { ...genuine.revocation, fromTreeSize: -1 }, signature: genuine.signature },
      { revocation: { ...genuine.revocation, fromTreeSize: 1.5 }, signature: genuine.signature },
    ];
    expect(check(attested(), certs(), AGENCY, junk, 9)).toMatchObject({ vouched: true });
  });

  it('keepRevocations keeps what the root signed, once each, and a later answer that leaves one out does not take it back', () => {
    const first = revocation(ADMIN, admin, 4);
    const forged = revocation(ADMIN, admin, 0, otherRoot);
    const kept = keepRevocations([], [first, first, forged], root.signPublicKey);
    expect(kept).toEqual([first]);
    // The server (or a restored database) no longer lists it: the device still applies it.
    const later = keepRevocations(kept, [], root.signPublicKey);
    expect(later).toEqual([first]);
    expect(check(attested(), certs(), AGENCY, later, 4)).toEqual({ vouched: false, reason: 'attester_revoked' });
    // A kept store edited on the device (or junk) is dropped, never thrown on.
    const edited = { ...first, revocation: { ...first.revocation, fromTreeSize: 99 } };
    expect(keepRevocations([edited, null as unknown as SignedAdminCertificateRevocation], [], root.signPublicKey)).toEqual([]);
  });
});

describe('checkCorrespondentKeys: in the log, then vouched for', () => {
  function logOf(entries: KeyLogEntry[], logKeys: IdentityKeys) {
    const hashes = entries.map(keyLogLeafHash);
    const head = signTreeHead({ v: 1, treeSize: hashes.length, rootHash: toHex(treeHead(hashes)), timestamp: issuedAt }, logKeys.signPrivateKey);
    return (index: number) => ({ entry: entries[index] as KeyLogEntry, index, proof: inclusionProof(hashes, index).map(toHex), head });
  }
  const roots = (logKeys: IdentityKeys) => ({ keyLogPublicKey: logKeys.signPublicKey, orgRootPublicKey: root.signPublicKey });

  it('answers the fingerprint and who vouches, for keys in a log the trust roots sign', () => {
    const logKeys = generateIdentity();
    const attested = entry(USER, user, { id: ADMIN, keys: admin });
    const proofOf = logOf([entry(ADMIN, admin, null), attested], logKeys);
    const certificates = [certificate(ADMIN, admin, 'agency_admin', AGENCY)];
    const input = { userId: USER, agencyId: AGENCY, keys: publicIdentity(user), log: proofOf(1), certificates, revocations: [], trustRoots: roots(logKeys) };
    expect(checkCorrespondentKeys(input)).toEqual({
      ok: true,
      fingerprint: attested.fingerprint,
      trust: { vouched: true, by: expect.objectContaining({ adminId: ADMIN }) },
    });
    expect(checkCorrespondentKeys({ ...input, certificates: [] })).toEqual({
      ok: true,
      fingerprint: attested.fingerprint,
      trust: { vouched: false, reason: 'attester_not_certified' },
    });
    // The entry's index comes from its proof: revoked from 1, the attestation at index 1 no longer counts; from 2, it does.
    expect(checkCorrespondentKeys({ ...input, revocations: [revocation(ADMIN, admin, 1)] })).toMatchObject({
      ok: true,
      trust: { vouched: false, reason: 'attester_revoked' },
    });
    expect(checkCorrespondentKeys({ ...input, revocations: [revocation(ADMIN, admin, 2)] })).toMatchObject({ ok: true, trust: { vouched: true } });
  });

  it('refuses a log signed by any key but the trust root’s (one a database holds), and keys that are not the entry’s', () => {
    const logKeys = generateIdentity();
    const databaseKey = generateIdentity();
    const fake = generateIdentity();
    const proofOf = logOf([entry(USER, fake, null)], databaseKey);
    const base = { userId: USER, agencyId: AGENCY, certificates: [], revocations: [], trustRoots: roots(logKeys) };
    expect(checkCorrespondentKeys({ ...base, keys: publicIdentity(fake), log: proofOf(0) })).toEqual({ ok: false, reason: 'bad_head' });
    const honest = logOf([entry(USER, user, null)], logKeys);
    expect(checkCorrespondentKeys({ ...base, keys: publicIdentity(fake), log: honest(0) })).toEqual({ ok: false, reason: 'key_mismatch' });
  });
});
