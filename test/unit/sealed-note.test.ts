import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DecryptError,
  MalformedInputError,
  SignatureError,
  fromBase64Url,
  fromHex,
  generateIdentity,
  keyFingerprint,
  openNote,
  publicIdentity,
  ready,
  sealNote,
  sealedNoteMessage,
  signSealedNote,
  signingKeyPairFromSeed,
  toBase64Url,
  type IdentityKeys,
  type SealedNote,
  type SealedNoteV2,
} from '../../crypto';

beforeAll(ready);

const context = { shareId: '6f1c2a9e-0000-4000-8000-000000000001', childId: '6f1c2a9e-0000-4000-8000-000000000002', senderId: 'alice' };
let alice: IdentityKeys;
let bob: IdentityKeys;
let eve: IdentityKeys;
beforeAll(() => {
  alice = generateIdentity();
  bob = generateIdentity();
  eve = generateIdentity();
});
const reader = (userId: string, keys: IdentityKeys) => ({ userId, boxPublicKey: keys.boxPublicKey, boxPrivateKey: keys.boxPrivateKey });
const authorAlice = () => ({ userId: 'alice', signPublicKey: alice.signPublicKey });
const readers = () => [
  { userId: 'alice', boxPublicKey: alice.boxPublicKey },
  { userId: 'bob', boxPublicKey: bob.boxPublicKey },
];
const seal = (text = 'Told PC Reid about the argument overheard on Tuesday') =>
  sealNote(text, context, readers(), { userId: 'alice', signPrivateKey: alice.signPrivateKey });

/** Flips one bit in a base64url field. */
function flip(value: string): string {
  const first = value[0] === 'A' ? 'B' : 'A';
  return first + value.slice(1);
}

interface Vectors {
  authorSeed: string;
  authorSignPublicKey: string;
  reader: { userId: string; boxSecretKey: string; boxPublicKey: string };
  context: Record<string, string>;
  text: string;
  v2: { note: SealedNoteV2; message: string };
  v1: { note: SealedNote };
}
const vectors = JSON.parse(readFileSync(new URL('../vectors/sealed-note-v2.json', import.meta.url), 'utf8')) as Vectors;

describe('sealed note v2: known answers', () => {
  const author = () => signingKeyPairFromSeed(fromHex(vectors.authorSeed));
  const vectorReader = () => ({
    userId: vectors.reader.userId,
    boxPublicKey: fromBase64Url(vectors.reader.boxPublicKey),
    boxPrivateKey: fromHex(vectors.reader.boxSecretKey),
  });
  const vectorAuthor = () => ({ userId: vectors.context.senderId ?? '', signPublicKey: fromBase64Url(vectors.authorSignPublicKey) });

  it('signs exactly the documented bytes and reproduces the signature computed in Python', () => {
    expect(toBase64Url(author().publicKey)).toBe(vectors.authorSignPublicKey);
    const { signature, ...unsigned } = vectors.v2.note;
    expect(new TextDecoder().decode(sealedNoteMessage(unsigned, vectors.context, vectors.context.senderId ?? ''))).toBe(vectors.v2.message);
    expect(signSealedNote(unsigned, vectors.context, { userId: vectors.context.senderId ?? '', signPrivateKey: author().privateKey })).toBe(signature);
  });

  it('opens the v2 note as signed, and the v1 note as not signed', () => {
    expect(openNote(vectors.v2.note, vectors.context, vectorReader(), vectorAuthor())).toEqual({ text: vectors.text, signed: true });
    expect(openNote(vectors.v1.note, vectors.context, vectorReader(), vectorAuthor())).toEqual({ text: vectors.text, signed: false });
  });

  it('refuses the v2 note under another author id, even with the right key', () => {
    expect(() => openNote(vectors.v2.note, vectors.context, vectorReader(), { ...vectorAuthor(), userId: vectors.reader.userId })).toThrow(SignatureError);
  });
});

describe('sealed note v2', () => {
  it('every named reader opens it as signed, and any text round-trips', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
        const note = seal(text);
        expect(note.v).toBe(2);
        expect(openNote(note, context, reader('alice', alice), authorAlice())).toEqual({ text, signed: true });
        expect(openNote(note, context, reader('bob', bob), authorAlice())).toEqual({ text, signed: true });
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
    expect(() => openNote(note, context, reader('eve', eve), authorAlice())).toThrow(DecryptError);
    const stolen: SealedNote = { ...note, keys: note.keys.map((k) => ({ ...k, userId: 'eve' })) };
    expect(() => openNote(stolen, context, reader('eve', eve), authorAlice())).toThrow(SignatureError);
  });

  it.each([
    ['the ciphertext', (n: SealedNoteV2): SealedNoteV2 => ({ ...n, ciphertext: flip(n.ciphertext) })],
    ['the nonce', (n: SealedNoteV2): SealedNoteV2 => ({ ...n, nonce: flip(n.nonce) })],
    ['a wrapped key', (n: SealedNoteV2): SealedNoteV2 => ({ ...n, keys: n.keys.map((k, i) => (i === 1 ? { ...k, wrappedKey: flip(k.wrappedKey) } : k)) })],
    ['the readers (one dropped)', (n: SealedNoteV2): SealedNoteV2 => ({ ...n, keys: n.keys.slice(0, 1) })],
    ['the readers (reordered)', (n: SealedNoteV2): SealedNoteV2 => ({ ...n, keys: [...n.keys].reverse() })],
    ['the signature', (n: SealedNoteV2): SealedNoteV2 => ({ ...n, signature: flip(n.signature) })],
  ])('refuses it as not signed when %s is changed, for every reader', (_what, tamper) => {
    const bad = tamper(seal());
    expect(() => openNote(bad, context, reader('alice', alice), authorAlice())).toThrow(SignatureError);
    expect(() => openNote(bad, context, reader('bob', bob), authorAlice())).toThrow(SignatureError);
  });

  it.each(['shareId', 'childId', 'senderId'] as const)('refuses it when moved to another %s', (field) => {
    expect(() => openNote(seal(), { ...context, [field]: 'something-else' }, reader('alice', alice), authorAlice())).toThrow(SignatureError);
  });

  it('refuses it under a wrong author key, or a key that is not a key', () => {
    expect(() => openNote(seal(), context, reader('bob', bob), { userId: 'alice', signPublicKey: eve.signPublicKey })).toThrow(SignatureError);
    expect(() => openNote(seal(), context, reader('bob', bob), { userId: 'alice', signPublicKey: new Uint8Array(31) })).toThrow(SignatureError);
  });

  it('refuses a note someone else sealed to the same readers, correctly encrypted (what a server could make)', () => {
    const forged = sealNote('Nothing to worry about', context, readers(), { userId: 'alice', signPrivateKey: eve.signPrivateKey });
    expect(() => openNote(forged, context, reader('bob', bob), authorAlice())).toThrow(SignatureError);
  });

  it('refuses an unsigned note dressed as v2, and a signed note dressed as v1 opens nothing', () => {
    const note = seal();
    const { signature: _dropped, ...unsigned } = note;
    expect(() => openNote(unsigned, context, reader('bob', bob), authorAlice())).toThrow(MalformedInputError);
    expect(() => openNote({ ...note, v: 1 }, context, reader('bob', bob), authorAlice())).toThrow(DecryptError);
  });

  it('refuses malformed notes and encodings with a typed error', () => {
    expect(() => openNote({ ...seal(), signature: '***' }, context, reader('alice', alice), authorAlice())).toThrow(MalformedInputError);
    // The signature is checked before anything is decoded for decryption: a bad nonce is just an altered note.
    expect(() => openNote({ ...seal(), nonce: '***' }, context, reader('alice', alice), authorAlice())).toThrow(SignatureError);
    for (const bad of [null, 'note', [], { ...seal(), v: 3 }, { ...seal(), keys: 'x' }, { ...seal(), keys: [{ userId: 1 }] }, { ...seal(), ciphertext: 5 }]) {
      expect(() => openNote(bad, context, reader('alice', alice), authorAlice())).toThrow(MalformedInputError);
    }
    expect(() => sealNote('x', context, [], { userId: 'alice', signPrivateKey: alice.signPrivateKey })).toThrow(MalformedInputError);
    expect(() => sealNote('x', context, readers(), { userId: 'alice', signPrivateKey: new Uint8Array(3) })).toThrow(MalformedInputError);
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
