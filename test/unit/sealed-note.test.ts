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
    const identity = { signPublicKey: 'AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE', boxPublicKey: 'AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI' };
    expect(keyFingerprint(identity)).toBe('51df590f8362b0ec8b8e953b52dcb931683b23be6bc09d05687728ab21311e1a');
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
