import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DecryptError,
  MalformedInputError,
  generateIdentity,
  keyFingerprint,
  openNote,
  publicIdentity,
  ready,
  sealNote,
  type IdentityKeys,
  type SealedNote,
} from '../../crypto';

beforeAll(ready);

const context = { shareId: '6f1c2a9e-0000-4000-8000-000000000001', childId: '6f1c2a9e-0000-4000-8000-000000000002', senderId: 'sender' };
let alice: IdentityKeys;
let bob: IdentityKeys;
let eve: IdentityKeys;
beforeAll(() => {
  alice = generateIdentity();
  bob = generateIdentity();
  eve = generateIdentity();
});
const reader = (userId: string, keys: IdentityKeys) => ({ userId, boxPublicKey: keys.boxPublicKey, boxPrivateKey: keys.boxPrivateKey });
const seal = (text = 'Told PC Reid about the argument overheard on Tuesday') =>
  sealNote(text, context, [
    { userId: 'alice', boxPublicKey: alice.boxPublicKey },
    { userId: 'bob', boxPublicKey: bob.boxPublicKey },
  ]);

/** Flips one bit in a base64url field. */
function flip(value: string): string {
  const first = value[0] === 'A' ? 'B' : 'A';
  return first + value.slice(1);
}

describe('sealed note v1', () => {
  it('every named reader opens it, and any text round-trips', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
        const note = seal(text);
        expect(openNote(note, context, reader('alice', alice))).toBe(text);
        expect(openNote(note, context, reader('bob', bob))).toBe(text);
      }),
      { numRuns: 50 },
    );
  });

  it('uses a fresh key and nonce each time, and never contains the plain text', () => {
    const a = seal('canary-7f3a');
    const b = seal('canary-7f3a');
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(JSON.stringify(a)).not.toContain('canary');
  });

  it('refuses someone it was not addressed to, even with a stolen entry', () => {
    const note = seal();
    expect(() => openNote(note, context, reader('eve', eve))).toThrow(DecryptError);
    const stolen: SealedNote = { ...note, keys: note.keys.map((k) => ({ ...k, userId: 'eve' })) };
    expect(() => openNote(stolen, context, reader('eve', eve))).toThrow(DecryptError);
  });

  it.each([
    ['the ciphertext', (n: SealedNote): SealedNote => ({ ...n, ciphertext: flip(n.ciphertext) })],
    ['the nonce', (n: SealedNote): SealedNote => ({ ...n, nonce: flip(n.nonce) })],
    ['a wrapped key', (n: SealedNote): SealedNote => ({ ...n, keys: n.keys.map((k) => ({ ...k, wrappedKey: flip(k.wrappedKey) })) })],
  ])('fails to open when %s is changed', (_what, tamper) => {
    expect(() => openNote(tamper(seal()), context, reader('alice', alice))).toThrow(DecryptError);
  });

  it.each(['shareId', 'childId', 'senderId'] as const)('fails to open when moved to another %s', (field) => {
    expect(() => openNote(seal(), { ...context, [field]: 'something-else' }, reader('alice', alice))).toThrow(DecryptError);
  });

  it('refuses malformed encodings with a typed error', () => {
    expect(() => openNote({ ...seal(), nonce: '***' }, context, reader('alice', alice))).toThrow(MalformedInputError);
    expect(() => sealNote('x', context, [])).toThrow(MalformedInputError);
  });
});

describe('identity keys', () => {
  it('fingerprints a public identity (known answer, computed independently with Python hashlib)', () => {
    // The public keys of the Ed25519 seed 0x01 × 32 and the X25519 secret 0x02 × 32 (Python's 'cryptography' package).
    const identity = { signPublicKey: 'iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w', boxPublicKey: 'zo060cy2M-x7cMF4FKXHbs0CloUFDTRHRboFhw5YfVk' };
    expect(keyFingerprint(identity)).toBe('84f2dd17d855eebf8ff9779265630f9513ebdffc979237ffdea38a0ca4eff44e');
    // Bytes of the right length that are not usable keys have no fingerprint (0x01 × 32 is not a point of the main subgroup).
    expect(() => keyFingerprint({ signPublicKey: 'AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE', boxPublicKey: identity.boxPublicKey })).toThrow(
      MalformedInputError,
    );
  });

  it('makes distinct keys with the right lengths, and refuses wrong-length public keys', () => {
    const a = publicIdentity(alice);
    const b = publicIdentity(bob);
    expect(keyFingerprint(a)).not.toBe(keyFingerprint(b));
    expect(alice.signPublicKey).toHaveLength(32);
    expect(alice.boxPublicKey).toHaveLength(32);
    expect(() => keyFingerprint({ ...a, boxPublicKey: 'AQID' })).toThrow(MalformedInputError);
  });
});
