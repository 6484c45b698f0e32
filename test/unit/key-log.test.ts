import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  attestKey,
  canonicalJson,
  checkKeyAgainstLog,
  checkLogGrowth,
  consistencyProof,
  emptyKeyLogRoot,
  fromBase64Url,
  fromHex,
  inclusionProof,
  keyAttestationMessage,
  keyFingerprint,
  keyLogLeafHash,
  MalformedInputError,
  ready,
  signTreeHead,
  toHex,
  treeHead,
  treeHeadMessage,
  verifyAttestation,
  verifyTreeHead,
  type KeyLogEntry,
  type SignedTreeHead,
  type TreeHead,
} from '../../crypto';

interface Vectors {
  keyLog: {
    seeds: { log: string; admin: string; user: string };
    logPublicKey: string;
    adminSignPublicKey: string;
    userSignPublicKey: string;
    attestation: { binding: { userId: string; fingerprint: string }; message: string; signature: string };
    entries: { entry: KeyLogEntry; canonical: string; leafHash: string }[];
    heads: { head: SignedTreeHead; message?: string }[];
    inclusion: { index: number; treeSize: number; proof: string[] }[];
    consistency: { oldSize: number; newSize: number; proof: string[] };
  };
}
const { keyLog: vectors } = JSON.parse(readFileSync(new URL('../vectors/key-log-v1.json', import.meta.url), 'utf8')) as Vectors;

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const b64 = (bytes: Uint8Array) => sodium.to_base64(bytes, sodium.base64_variants.URLSAFE_NO_PADDING);
const withoutSignature = ({ signature: _signature, ...head }: SignedTreeHead): TreeHead => head;
/** Changes one character of a base64url or hex string, keeping it well formed. */
const tweak = (value: string, at = 5) => value.slice(0, at) + (value[at] === 'A' || value[at] === 'a' ? 'b' : 'a') + value.slice(at + 1);

interface SigningKeys {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}
let logKeys: SigningKeys;
let adminKeys: SigningKeys;
let entries: KeyLogEntry[];
let heads: SignedTreeHead[];

beforeAll(async () => {
  await ready();
  logKeys = sodium.crypto_sign_seed_keypair(fromHex(vectors.seeds.log));
  adminKeys = sodium.crypto_sign_seed_keypair(fromHex(vectors.seeds.admin));
  entries = vectors.entries.map((e) => e.entry);
  heads = vectors.heads.map((h) => h.head);
});

/** A well-formed entry for a user whose keys come from `seed` (a byte), as a server would log it. */
function entryFor(seed: number, userId = `user-${seed}`, loggedAt = '2026-03-01T10:00:00.000Z'): KeyLogEntry {
  const seedBytes = new Uint8Array(32).fill(seed);
  const identity = {
    signPublicKey: b64(sodium.crypto_sign_seed_keypair(seedBytes).publicKey),
    boxPublicKey: b64(sodium.crypto_box_seed_keypair(seedBytes).publicKey),
  };
  return { v: 1, userId, ...identity, fingerprint: keyFingerprint(identity), attestedBy: null, attestation: null, loggedAt };
}

function signedHead(log: KeyLogEntry[], timestamp = '2026-03-01T10:00:01.000Z', key = logKeys.privateKey): SignedTreeHead {
  return signTreeHead({ v: 1, treeSize: log.length, rootHash: toHex(treeHead(log.map(keyLogLeafHash))), timestamp }, key);
}

describe('key log v1 known answers (computed with Python)', () => {
  it('derives the vector keys from the fixed seeds', () => {
    expect(b64(logKeys.publicKey)).toBe(vectors.logPublicKey);
    expect(b64(adminKeys.publicKey)).toBe(vectors.adminSignPublicKey);
    expect(b64(sodium.crypto_sign_seed_keypair(fromHex(vectors.seeds.user)).publicKey)).toBe(vectors.userSignPublicKey);
  });

  it('reproduces each leaf: fingerprint, canonical form and leaf hash', () => {
    for (const { entry, canonical, leafHash } of vectors.entries) {
      expect(keyFingerprint(entry)).toBe(entry.fingerprint);
      expect(canonicalJson(entry)).toBe(canonical);
      expect(toHex(keyLogLeafHash(entry))).toBe(leafHash);
    }
  });

  it('reproduces the attestation byte for byte, and verifies it', () => {
    const { binding, message, signature } = vectors.attestation;
    expect(text(keyAttestationMessage(binding))).toBe(message);
    expect(attestKey(binding, adminKeys.privateKey)).toBe(signature);
    expect(verifyAttestation(binding, signature, adminKeys.publicKey)).toBe(true);
    const attested = entries[2]!;
    expect(
      verifyAttestation({ userId: attested.userId, fingerprint: attested.fingerprint }, attested.attestation!, fromBase64Url(vectors.adminSignPublicKey)),
    ).toBe(true);
  });

  it('reproduces every signed tree head byte for byte, and verifies it', () => {
    for (const { head, message } of vectors.heads) {
      expect(head.rootHash).toBe(toHex(treeHead(entries.slice(0, head.treeSize).map(keyLogLeafHash))));
      if (message) expect(text(treeHeadMessage(head))).toBe(message);
      expect(signTreeHead(withoutSignature(head), logKeys.privateKey)).toEqual(head);
      expect(verifyTreeHead(head, fromBase64Url(vectors.logPublicKey))).toBe(true);
    }
    expect(heads[0]!.rootHash).toBe(emptyKeyLogRoot());
  });

  it('reproduces the inclusion and consistency proofs, and the checker accepts them', () => {
    const leafHashes = entries.map(keyLogLeafHash);
    const head = heads[2]!;
    for (const { index, treeSize, proof } of vectors.inclusion) {
      expect(inclusionProof(leafHashes.slice(0, treeSize), index).map(toHex)).toEqual(proof);
      expect(checkKeyAgainstLog({ entry: entries[index]!, index, proof, head, logPublicKey: logKeys.publicKey })).toEqual({ ok: true });
    }
    const { oldSize, newSize, proof } = vectors.consistency;
    expect(consistencyProof(leafHashes.slice(0, newSize), oldSize).map(toHex)).toEqual(proof);
    expect(checkLogGrowth({ oldHead: heads[1]!, newHead: heads[2]!, proof, logPublicKey: logKeys.publicKey })).toEqual({ ok: true });
  });
});

describe('signed tree heads', () => {
  it('fail to verify when any field, the signature or the key changes', () => {
    const head = heads[2]!;
    const variants: SignedTreeHead[] = [
      { ...head, v: 2 as 1 },
      { ...head, treeSize: 2 },
      { ...head, treeSize: 4 },
      { ...head, rootHash: tweak(head.rootHash) },
      { ...head, rootHash: heads[1]!.rootHash },
      { ...head, timestamp: '2026-02-02T09:15:31.001Z' },
      { ...head, signature: tweak(head.signature) },
      { ...head, signature: heads[1]!.signature },
    ];
    for (const variant of variants) expect(verifyTreeHead(variant, logKeys.publicKey)).toBe(false);
    expect(verifyTreeHead(head, adminKeys.publicKey)).toBe(false);
  });

  it('return false, never throw, for malformed heads or keys', () => {
    const head = heads[2]!;
    const malformed = [
      { ...head, rootHash: head.rootHash.toUpperCase() },
      { ...head, rootHash: head.rootHash.slice(2) },
      { ...head, treeSize: -1 },
      { ...head, treeSize: 1.5 },
      { ...head, timestamp: '2026-02-02T09:15:31Z' },
      { ...head, timestamp: '2026-02-30T09:15:31.000Z' },
      { ...head, signature: 'not base64url!' },
      { ...head, signature: head.signature.slice(4) },
      { ...head, signature: undefined as unknown as string },
    ];
    for (const variant of malformed) expect(verifyTreeHead(variant, logKeys.publicKey)).toBe(false);
    expect(verifyTreeHead(head, logKeys.publicKey.slice(1))).toBe(false);
  });

  it('sign only the four head fields, and refuse to sign a malformed head', () => {
    const body = withoutSignature(heads[2]!);
    const withExtra = { ...body, note: 'not signed' } as TreeHead;
    expect(signTreeHead(withExtra, logKeys.privateKey)).toEqual(heads[2]);
    expect(() => signTreeHead({ ...body, rootHash: 'abc' }, logKeys.privateKey)).toThrow(MalformedInputError);
    expect(() => signTreeHead({ ...body, timestamp: 'yesterday' }, logKeys.privateKey)).toThrow(MalformedInputError);
    expect(() => signTreeHead({ ...body, timestamp: '2026-02-30T09:15:31.000Z' }, logKeys.privateKey)).toThrow(MalformedInputError);
    expect(() => signTreeHead({ ...body, treeSize: 2 ** 53 }, logKeys.privateKey)).toThrow(MalformedInputError);
    expect(() => signTreeHead(body, logKeys.privateKey.slice(32))).toThrow(MalformedInputError);
  });
});

describe('admin attestations', () => {
  it('fail to verify when the user, the fingerprint, the signature or the admin changes', () => {
    const { binding, signature } = vectors.attestation;
    expect(verifyAttestation({ ...binding, userId: 'someone-else' }, signature, adminKeys.publicKey)).toBe(false);
    expect(verifyAttestation({ ...binding, fingerprint: tweak(binding.fingerprint) }, signature, adminKeys.publicKey)).toBe(false);
    expect(verifyAttestation(binding, tweak(signature), adminKeys.publicKey)).toBe(false);
    expect(verifyAttestation(binding, signature, logKeys.publicKey)).toBe(false);
    expect(verifyAttestation(binding, '!!', adminKeys.publicKey)).toBe(false);
    expect(verifyAttestation({ ...binding, fingerprint: 'nope' }, signature, adminKeys.publicKey)).toBe(false);
  });

  it('refuse to attest a malformed binding', () => {
    expect(() => attestKey({ userId: '', fingerprint: vectors.attestation.binding.fingerprint }, adminKeys.privateKey)).toThrow(MalformedInputError);
    expect(() => attestKey({ userId: 'u', fingerprint: 'AB'.repeat(32) }, adminKeys.privateKey)).toThrow(MalformedInputError);
  });
});

describe('key log leaves', () => {
  it('change hash when any field changes, and ignore properties outside the format', () => {
    const entry = entries[2]!;
    const base = toHex(keyLogLeafHash(entry));
    const other = entryFor(9);
    const variants: KeyLogEntry[] = [
      { ...entry, userId: 'someone-else' },
      { ...entry, signPublicKey: other.signPublicKey, boxPublicKey: other.boxPublicKey, fingerprint: other.fingerprint },
      { ...entry, attestedBy: 'another-admin' },
      { ...entry, attestation: attestKey({ userId: entry.userId, fingerprint: entry.fingerprint }, logKeys.privateKey) },
      { ...entry, attestedBy: null, attestation: null },
      { ...entry, loggedAt: '2026-02-02T09:15:30.251Z' },
    ];
    for (const variant of variants) expect(toHex(keyLogLeafHash(variant))).not.toBe(base);
    expect(toHex(keyLogLeafHash({ ...entry, extra: 'x' } as KeyLogEntry))).toBe(base);
  });

  it('refuse malformed entries', () => {
    const entry = entries[2]!;
    const malformed: KeyLogEntry[] = [
      { ...entry, v: 2 as 1 },
      { ...entry, userId: '' },
      { ...entry, fingerprint: entries[0]!.fingerprint },
      { ...entry, signPublicKey: entries[0]!.signPublicKey },
      { ...entry, boxPublicKey: entry.boxPublicKey.slice(2) },
      { ...entry, attestation: null },
      { ...entry, attestedBy: null },
      { ...entry, attestation: entry.attestation!.slice(4) },
      { ...entry, loggedAt: '2026-02-02 09:15:30' },
    ];
    for (const variant of malformed) expect(() => keyLogLeafHash(variant)).toThrow(MalformedInputError);
  });
});

describe('checkKeyAgainstLog', () => {
  const check = (overrides: Partial<Parameters<typeof checkKeyAgainstLog>[0]> = {}) =>
    checkKeyAgainstLog({ entry: entries[1]!, index: 1, proof: vectors.inclusion[1]!.proof, head: heads[2]!, logPublicKey: logKeys.publicKey, ...overrides });

  it('accepts a logged key and names what is wrong otherwise', () => {
    expect(check()).toEqual({ ok: true });
    expect(check({ head: { ...heads[2]!, timestamp: '2026-02-02T09:15:32.000Z' } })).toEqual({ ok: false, reason: 'bad_head' });
    expect(check({ logPublicKey: adminKeys.publicKey })).toEqual({ ok: false, reason: 'bad_head' });
    expect(check({ entry: { ...entries[1]!, fingerprint: entries[0]!.fingerprint } })).toEqual({ ok: false, reason: 'malformed_entry' });
    expect(check({ proof: ['zz'] })).toEqual({ ok: false, reason: 'malformed_proof' });
    expect(check({ proof: vectors.inclusion[1]!.proof.map((p) => p.toUpperCase()) })).toEqual({ ok: false, reason: 'malformed_proof' });
  });

  it('rejects a substituted key, a changed entry, a wrong index or an older head', () => {
    const substituted = entryFor(7, entries[1]!.userId, entries[1]!.loggedAt);
    expect(check({ entry: substituted })).toEqual({ ok: false, reason: 'not_in_log' });
    expect(check({ entry: { ...entries[1]!, loggedAt: '2026-02-02T09:00:00.001Z' } })).toEqual({ ok: false, reason: 'not_in_log' });
    expect(check({ index: 0 })).toEqual({ ok: false, reason: 'not_in_log' });
    expect(check({ index: 3 })).toEqual({ ok: false, reason: 'not_in_log' });
    expect(check({ proof: vectors.inclusion[0]!.proof })).toEqual({ ok: false, reason: 'not_in_log' });
    expect(check({ head: heads[1]! })).toEqual({ ok: false, reason: 'not_in_log' });
    expect(check({ head: heads[0]!, index: 0, proof: [] })).toEqual({ ok: false, reason: 'not_in_log' });
  });
});

describe('checkLogGrowth', () => {
  const grow = (oldHead: SignedTreeHead, newHead: SignedTreeHead, proof: string[] = []) =>
    checkLogGrowth({ oldHead, newHead, proof, logPublicKey: logKeys.publicKey });

  it('accepts growth from the empty log and re-signed heads of the same tree', () => {
    expect(grow(heads[0]!, heads[2]!)).toEqual({ ok: true });
    expect(grow(heads[2]!, heads[2]!)).toEqual({ ok: true });
    expect(grow(heads[2]!, signTreeHead({ ...withoutSignature(heads[2]!), timestamp: '2026-02-02T10:00:00.000Z' }, logKeys.privateKey))).toEqual({ ok: true });
  });

  it('reports a forked log: same size, different leaves', () => {
    // The server shows the victim a log where the user's key was swapped for one it controls.
    const honest = entries;
    const forked = [entries[0]!, entryFor(7, entries[1]!.userId, entries[1]!.loggedAt), entries[2]!];
    const seenByOthers = signedHead(honest);
    const seenByVictim = signedHead(forked);
    expect(grow(seenByOthers, seenByVictim)).toEqual({ ok: false, reason: 'fork' });
    expect(grow(seenByVictim, seenByOthers)).toEqual({ ok: false, reason: 'fork' });
    // Later the server tries to bring the victim back onto the honest log: no proof can do it.
    const later = [...honest, entryFor(8)];
    const laterHead = signedHead(later, '2026-03-02T10:00:00.000Z');
    expect(grow(seenByOthers, laterHead, consistencyProof(later.map(keyLogLeafHash), 3).map(toHex))).toEqual({ ok: true });
    expect(grow(seenByVictim, laterHead, consistencyProof(later.map(keyLogLeafHash), 3).map(toHex))).toEqual({ ok: false, reason: 'inconsistent' });
    const forkedLater = [...forked, entryFor(8)];
    expect(grow(seenByVictim, laterHead, consistencyProof(forkedLater.map(keyLogLeafHash), 3).map(toHex))).toEqual({ ok: false, reason: 'inconsistent' });
  });

  it('refuses a smaller tree, unsigned heads and malformed proofs', () => {
    expect(grow(heads[2]!, heads[1]!)).toEqual({ ok: false, reason: 'log_shrank' });
    expect(grow({ ...heads[1]!, treeSize: 1 }, heads[2]!, vectors.consistency.proof)).toEqual({ ok: false, reason: 'bad_old_head' });
    expect(grow(heads[1]!, { ...heads[2]!, rootHash: heads[1]!.rootHash }, vectors.consistency.proof)).toEqual({ ok: false, reason: 'bad_new_head' });
    expect(grow(heads[1]!, signedHead(entries, undefined, adminKeys.privateKey), vectors.consistency.proof)).toEqual({ ok: false, reason: 'bad_new_head' });
    expect(grow(heads[1]!, heads[2]!, ['0e'])).toEqual({ ok: false, reason: 'malformed_proof' });
    expect(grow(heads[1]!, heads[2]!, [])).toEqual({ ok: false, reason: 'inconsistent' });
    expect(grow(heads[1]!, heads[2]!, [tweak(vectors.consistency.proof[0]!)])).toEqual({ ok: false, reason: 'inconsistent' });
  });

  it('accepts honest growth and catches any rewritten leaf (fast-check)', () => {
    const pool = Array.from({ length: 24 }, (_, i) => entryFor(i + 1));
    const poolHashes = pool.map(keyLogLeafHash);
    const rewritten = keyLogLeafHash(entryFor(99));
    const head = (hashes: Uint8Array[]) =>
      signTreeHead({ v: 1, treeSize: hashes.length, rootHash: toHex(treeHead(hashes)), timestamp: '2026-03-01T10:00:00.000Z' }, logKeys.privateKey);
    const sizes = fc.integer({ min: 1, max: 24 }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n), fc.nat({ max: n - 1 })));
    fc.assert(
      fc.property(sizes, ([m, n, at]) => {
        const proof = consistencyProof(poolHashes.slice(0, n), m).map(toHex);
        const oldHead = head(poolHashes.slice(0, m));
        expect(grow(oldHead, head(poolHashes.slice(0, n)), proof)).toEqual({ ok: true });
        const forked = poolHashes.slice(0, n).map((h, i) => (i === at ? rewritten : h));
        const outcome = grow(oldHead, head(forked), consistencyProof(forked, m).map(toHex));
        // A rewrite inside the old tree is a fork; a rewrite after it is just different growth.
        expect(outcome).toEqual(at < m ? { ok: false, reason: m === n ? 'fork' : 'inconsistent' } : { ok: true });
      }),
      { numRuns: 60 },
    );
  });
});
