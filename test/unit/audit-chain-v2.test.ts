import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  auditAnchorMessage,
  auditEntryHash,
  canonicalJson,
  deriveInstallationKey,
  fromHex,
  keyedAuditEntryHash,
  ready,
  signAuditAnchor,
  signingKeyPairFromSeed,
  toBase64Url,
  toHex,
  verifyAuditAnchor,
  type AuditAnchor,
  type AuditChainEntry,
} from '../../crypto';

interface Vectors {
  seed: string;
  keys: Record<'audit-chain' | 'audit-anchor-signing', string>;
  genesis: string;
  entries: { entry: AuditChainEntry; hash: string }[];
  anchor: { anchor: AuditAnchor; canonical: string; publicKey: string; signature: string };
}
const vectors = JSON.parse(readFileSync(new URL('../vectors/audit-chain-v2.json', import.meta.url), 'utf8')) as Vectors;

beforeAll(ready);

describe('installation keys', () => {
  it('derive each purpose’s key from the seed as the vectors say, and different purposes get different keys', () => {
    const seed = fromHex(vectors.seed);
    expect(toHex(deriveInstallationKey(seed, 'audit-chain'))).toBe(vectors.keys['audit-chain']);
    expect(toHex(deriveInstallationKey(seed, 'audit-anchor-signing'))).toBe(vectors.keys['audit-anchor-signing']);
  });

  it('refuse a seed that is not 32 bytes and a purpose that is not a plain name', () => {
    expect(() => deriveInstallationKey(new Uint8Array(31), 'audit-chain')).toThrow(/32 bytes/);
    expect(() => deriveInstallationKey(new Uint8Array(32), 'Audit Chain')).toThrow(/purpose/);
    expect(() => deriveInstallationKey(new Uint8Array(32), '')).toThrow(/purpose/);
  });
});

describe('audit chain v2 (keyed) known answers', () => {
  const chainKey = () => fromHex(vectors.keys['audit-chain']);

  it('reproduces every vector, each chained to the previous one', () => {
    let previous = vectors.genesis;
    for (const { entry, hash } of vectors.entries) {
      expect(keyedAuditEntryHash(chainKey(), previous, entry)).toBe(hash);
      previous = hash;
    }
  });

  it('differs from the unkeyed v1 hash and from the hash under any other key', () => {
    const first = vectors.entries[0];
    if (!first) throw new Error('vectors missing');
    expect(auditEntryHash(vectors.genesis, first.entry)).not.toBe(first.hash);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (otherKey) => {
        fc.pre(toHex(otherKey) !== vectors.keys['audit-chain']);
        expect(keyedAuditEntryHash(otherKey, vectors.genesis, first.entry)).not.toBe(first.hash);
      }),
      { numRuns: 50 },
    );
  });

  it('refuses a chain key that is not 32 bytes', () => {
    const first = vectors.entries[0];
    if (!first) throw new Error('vectors missing');
    expect(() => keyedAuditEntryHash(new Uint8Array(16), vectors.genesis, first.entry)).toThrow(/32 bytes/);
  });
});

describe('signed audit anchors (v1) known answers', () => {
  const signing = () => signingKeyPairFromSeed(fromHex(vectors.keys['audit-anchor-signing']));

  it('sign the documented message and reproduce the vector’s public key and signature', () => {
    const { anchor, canonical, publicKey, signature } = vectors.anchor;
    expect(canonicalJson(anchor)).toBe(canonical);
    expect(new TextDecoder().decode(auditAnchorMessage(anchor))).toBe(`haven/audit-anchor/v1\u0000${canonical}`);
    expect(toBase64Url(signing().publicKey)).toBe(publicKey);
    expect(signAuditAnchor(anchor, signing().privateKey)).toBe(signature);
    expect(verifyAuditAnchor(anchor, signature, signing().publicKey)).toBe(true);
  });

  it('a changed field, another key or a malformed signature never verifies, and never throws', () => {
    const { anchor, signature } = vectors.anchor;
    const { publicKey } = signing();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 1, max: 2 ** 40 }).map((seq) => ({ ...anchor, seq })),
          fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => ({ ...anchor, hash: toHex(bytes) })),
          fc.date({ min: new Date('2000-01-01'), max: new Date('2099-01-01'), noInvalidDate: true }).map((d) => ({ ...anchor, at: d.toISOString() })),
          fc.integer({ min: 0, max: anchor.seq }).map((legacyThrough) => ({ ...anchor, legacyThrough })),
        ),
        (changed) => {
          fc.pre(canonicalJson(changed) !== canonicalJson(anchor));
          expect(verifyAuditAnchor(changed, signature, publicKey)).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
    expect(verifyAuditAnchor(anchor, signature, signingKeyPairFromSeed(new Uint8Array(32)).publicKey)).toBe(false);
    for (const bad of ['', 'not base64!', 'AAAA', signature.slice(0, -2)]) expect(verifyAuditAnchor(anchor, bad, publicKey)).toBe(false);
    expect(verifyAuditAnchor({ ...anchor, at: 'yesterday' }, signature, publicKey)).toBe(false);
    // An anchor cannot vouch for unkeyed entries beyond itself.
    expect(verifyAuditAnchor({ ...anchor, legacyThrough: anchor.seq + 1 }, signature, publicKey)).toBe(false);
    expect(() => auditAnchorMessage({ ...anchor, legacyThrough: anchor.seq + 1 })).toThrow(/vouches/);
  });
});
