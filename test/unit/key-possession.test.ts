import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import sodium from 'libsodium-wrappers-sumo';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  decodePublicIdentity,
  generateIdentity,
  isEncodedPublicKey,
  keyFingerprint,
  keyPossessionMessage,
  MalformedInputError,
  proveKeyPossession,
  publicIdentity,
  ready,
  verifyKeyPossession,
  type KeyPublication,
} from '../../crypto';

interface Vectors {
  seeds: { sign: string; boxSecret: string };
  publication: KeyPublication;
  message: string;
  proof: string;
  invalidKeys: { sign: string[]; box: string[] };
}
const vectors = JSON.parse(readFileSync(new URL('../vectors/key-possession-v1.json', import.meta.url), 'utf8')) as Vectors;
const b64 = (bytes: Uint8Array) => sodium.to_base64(bytes, sodium.base64_variants.URLSAFE_NO_PADDING);

beforeAll(ready);

describe('key possession proof v1: known answers', () => {
  it('derives the vector keys from their seeds, signs exactly the documented message and reproduces the proof', () => {
    const sign = sodium.crypto_sign_seed_keypair(sodium.from_hex(vectors.seeds.sign));
    expect(b64(sign.publicKey)).toBe(vectors.publication.signPublicKey);
    expect(b64(sodium.crypto_scalarmult_base(sodium.from_hex(vectors.seeds.boxSecret)))).toBe(vectors.publication.boxPublicKey);
    expect(new TextDecoder().decode(keyPossessionMessage(vectors.publication))).toBe(vectors.message);
    // Ed25519 is deterministic: the same key and message give the same signature.
    expect(proveKeyPossession(vectors.publication, sign.privateKey)).toBe(vectors.proof);
    expect(verifyKeyPossession(vectors.publication, vectors.proof)).toBe(true);
  });

  it('refuses each documented invalid key, as a key and inside a publication, without throwing from the checks', () => {
    for (const key of vectors.invalidKeys.sign) {
      expect(isEncodedPublicKey(key, 'sign'), key).toBe(false);
      expect(() => keyPossessionMessage({ ...vectors.publication, signPublicKey: key })).toThrow(MalformedInputError);
      expect(verifyKeyPossession({ ...vectors.publication, signPublicKey: key }, vectors.proof)).toBe(false);
      expect(() => keyFingerprint({ signPublicKey: key, boxPublicKey: vectors.publication.boxPublicKey })).toThrow(MalformedInputError);
    }
    for (const key of vectors.invalidKeys.box) {
      expect(isEncodedPublicKey(key, 'box'), key).toBe(false);
      expect(() => keyPossessionMessage({ ...vectors.publication, boxPublicKey: key })).toThrow(MalformedInputError);
      expect(() => decodePublicIdentity({ signPublicKey: vectors.publication.signPublicKey, boxPublicKey: key })).toThrow(MalformedInputError);
    }
  });
});

describe('key possession proof v1: what it binds', () => {
  it('fails when any field of the publication changes: another user, another signing or encryption key', () => {
    const other = publicIdentity(generateIdentity());
    for (const changed of [
      { ...vectors.publication, userId: '00000000-0000-4000-8000-000000000000' },
      { ...vectors.publication, signPublicKey: other.signPublicKey },
      { ...vectors.publication, boxPublicKey: other.boxPublicKey },
    ]) {
      expect(verifyKeyPossession(changed, vectors.proof)).toBe(false);
    }
  });

  it('holds for any fresh identity and user id, and a proof made with another key never verifies (property)', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), (userId, otherUser) => {
        const mine = generateIdentity();
        const theirs = generateIdentity();
        const publication = { userId, ...publicIdentity(mine) };
        expect(isEncodedPublicKey(publication.signPublicKey, 'sign') && isEncodedPublicKey(publication.boxPublicKey, 'box')).toBe(true);
        const proof = proveKeyPossession(publication, mine.signPrivateKey);
        expect(verifyKeyPossession(publication, proof)).toBe(true);
        // Someone else's key pair cannot prove possession of mine, and my proof does not carry over to another user.
        expect(verifyKeyPossession(publication, proveKeyPossession(publication, theirs.signPrivateKey))).toBe(false);
        if (otherUser !== userId) expect(verifyKeyPossession({ ...publication, userId: otherUser }, proof)).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  it('answers false, never throws, for malformed proofs', () => {
    fc.assert(
      fc.property(fc.string(), (proof) => {
        expect(verifyKeyPossession(vectors.publication, proof)).toBe(false);
      }),
    );
    expect(verifyKeyPossession(vectors.publication, `${vectors.proof.slice(0, -1)}B`)).toBe(false);
  });
});
