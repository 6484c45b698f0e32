import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CryptoError,
  DecryptError,
  MAX_RECORD_DEPTH,
  MalformedEnvelopeError,
  SignatureError,
  assertHeaderShape,
  blake2b256,
  canonicalJson,
  envelopeSigningBytes,
  fromBase64Url,
  generateIdentity,
  keyFingerprint,
  openEnvelope,
  parseEnvelope,
  publicIdentity,
  ready,
  sealEnvelope,
  toBase64Url,
  toHex,
  utf8,
  verifyEnvelope,
  type Envelope,
  type EnvelopeHeader,
  type IdentityKeys,
} from '../../crypto';
import { sealEnvelopeDeterministicForTests } from '../../crypto/envelope';
import { sodium } from '../../crypto/sodium';

interface VectorPerson {
  userId: string;
  signSeed: string;
  boxSeed: string;
  signPublicKey: string;
  boxPublicKey: string;
  keyFingerprint: string;
}
interface Vectors {
  people: { sender: VectorPerson; recipients: VectorPerson[]; outsider: VectorPerson };
  messageKey: string;
  nonce: string;
  body: string;
  header: EnvelopeHeader;
  headerJcs: string;
  additionalData: string;
  ciphertextHash: string;
  wrappedKeysHash: string;
  signingBytes: string;
  envelope: Envelope;
}
const vectors = JSON.parse(readFileSync(new URL('../vectors/envelope-v1.json', import.meta.url), 'utf8')) as Vectors;

interface Person {
  userId: string;
  keys: IdentityKeys;
  fingerprint: string;
}

const hex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));
const text = (bytes: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(bytes);
const reader = (p: Person) => ({ userId: p.userId, boxPublicKey: p.keys.boxPublicKey, boxPrivateKey: p.keys.boxPrivateKey });
const clone = (envelope: Envelope): Envelope => structuredClone(envelope);

function fromSeeds(v: VectorPerson): Person {
  const s = sodium();
  const sign = s.crypto_sign_seed_keypair(hex(v.signSeed));
  const box = s.crypto_box_seed_keypair(hex(v.boxSeed));
  const keys = { signPublicKey: sign.publicKey, signPrivateKey: sign.privateKey, boxPublicKey: box.publicKey, boxPrivateKey: box.privateKey };
  return { userId: v.userId, keys, fingerprint: keyFingerprint(publicIdentity(keys)) };
}

function freshPerson(userId: string): Person {
  const keys = generateIdentity();
  return { userId, keys, fingerprint: keyFingerprint(publicIdentity(keys)) };
}

/** Changes the first base64url character, which changes the first byte and keeps the length. */
function flip(value: string): string {
  return (value.startsWith('A') ? 'B' : 'A') + value.slice(1);
}

/** Throws what `action` throws, or fails the test if it does not throw. */
function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

let v: { sender: Person; recipients: Person[]; outsider: Person };
let sender: Person;
let recipients: Person[];
let outsider: Person;
let header: EnvelopeHeader;

beforeAll(async () => {
  await ready();
  v = { sender: fromSeeds(vectors.people.sender), recipients: vectors.people.recipients.map(fromSeeds), outsider: fromSeeds(vectors.people.outsider) };
  // Ids chosen so that the sender sorts between the recipients, as in the vectors.
  sender = freshPerson('5b2e8f14-7c3a-4d9e-8b61-2f0a9c4d7e35');
  recipients = ['1d7c3e92-4a8b-4f60-9e2d-8c5b1a7f3e04', '9a4f6b21-3e8d-4c7a-b5f9-0e2d6c8a1b73', 'c3e81f5a-6d2b-4e9c-a7f4-3b9d0e6c2a58'].map(freshPerson);
  outsider = freshPerson('e7a2c94d-1f6b-4a3e-9c8d-5b7f2e0a4c16');
  header = {
    ...vectors.header,
    senderKeyFingerprint: sender.fingerprint,
    recipients: recipients.map((r) => ({ userId: r.userId, keyFingerprint: r.fingerprint })),
    replyTo: null,
    corrects: '3f1a7c5e-8b2d-4e6f-a9c1-7d5b3e0f2a86',
    correctionReason: 'The time of the injury was wrong.',
  };
});

function seal(body: Uint8Array | string = 'Seen at drop-off: bruise on left forearm.', h: EnvelopeHeader = header, to: Person[] = recipients): Envelope {
  return sealEnvelope({
    header: h,
    body,
    sender: { userId: sender.userId, signPrivateKey: sender.keys.signPrivateKey, boxPublicKey: sender.keys.boxPublicKey },
    recipients: to.map((r) => ({ userId: r.userId, boxPublicKey: r.keys.boxPublicKey })),
  });
}

/** Asserts that verifying and opening both fail with `type`. */
function expectRefused(envelope: Envelope, type: typeof SignatureError | typeof MalformedEnvelopeError | typeof DecryptError, as: Person = recipients[0]!) {
  if (type !== DecryptError) expect(() => verifyEnvelope(envelope, sender.keys.signPublicKey)).toThrow(type);
  expect(() => openEnvelope(envelope, reader(as), sender.keys.signPublicKey)).toThrow(type);
}

describe('envelope v1 known answers (test/vectors/envelope-v1.json)', () => {
  it('derives the committed keys and fingerprints from their seeds, in libsodium and in node:crypto', () => {
    const pairs: [Person, VectorPerson][] = [
      [v.sender, vectors.people.sender],
      ...v.recipients.map((r, i): [Person, VectorPerson] => [r, vectors.people.recipients[i]!]),
      [v.outsider, vectors.people.outsider],
    ];
    for (const [person, committed] of pairs) {
      expect(publicIdentity(person.keys)).toEqual({ signPublicKey: committed.signPublicKey, boxPublicKey: committed.boxPublicKey });
      expect(person.fingerprint).toBe(committed.keyFingerprint);
      const nodeKey = createPrivateKey({ key: Buffer.from(`302e020100300506032b657004220420${committed.signSeed}`, 'hex'), format: 'der', type: 'pkcs8' });
      expect(createPublicKey(nodeKey).export({ format: 'jwk' }).x).toBe(committed.signPublicKey);
    }
  });

  it('canonicalises the header and lays out the signed bytes as documented', () => {
    const { envelope } = vectors;
    expect(canonicalJson(vectors.header)).toBe(vectors.headerJcs);
    expect(envelope.header).toEqual(vectors.header);
    expect(toHex(utf8(`haven/envelope/v1\u0000${vectors.headerJcs}`))).toBe(vectors.additionalData);
    const nonceAndCiphertext = new Uint8Array([...fromBase64Url(envelope.nonce), ...fromBase64Url(envelope.ciphertext)]);
    expect(toHex(blake2b256(nonceAndCiphertext))).toBe(vectors.ciphertextHash);
    expect(toHex(blake2b256(utf8(canonicalJson(envelope.wrappedKeys))))).toBe(vectors.wrappedKeysHash);
    expect(vectors.signingBytes).toBe(`${vectors.additionalData}00${vectors.ciphertextHash}${vectors.wrappedKeysHash}`);
    expect(toHex(envelopeSigningBytes(envelope))).toBe(vectors.signingBytes);
  });

  it('verifies with libsodium and with node:crypto Ed25519, which re-signs to the same bytes', () => {
    const { envelope } = vectors;
    verifyEnvelope(envelope, v.sender.keys.signPublicKey);
    const data = envelopeSigningBytes(envelope);
    const signature = fromBase64Url(envelope.signature);
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: vectors.people.sender.signPublicKey }, format: 'jwk' });
    expect(nodeVerify(null, data, publicKey, signature)).toBe(true);
    data[data.length - 1]! ^= 1;
    expect(nodeVerify(null, data, publicKey, signature)).toBe(false);
    const privateKey = createPrivateKey({
      key: Buffer.from(`302e020100300506032b657004220420${vectors.people.sender.signSeed}`, 'hex'),
      format: 'der',
      type: 'pkcs8',
    });
    expect(Buffer.from(nodeSign(null, envelopeSigningBytes(envelope), privateKey)).toString('base64url')).toBe(envelope.signature);
  });

  it('opens to the committed body for the sender and every recipient, and not for the outsider', () => {
    for (const person of [v.sender, ...v.recipients]) {
      const opened = openEnvelope(vectors.envelope, reader(person), v.sender.keys.signPublicKey);
      expect(text(opened.body)).toBe(vectors.body);
      expect(opened.header).toEqual(vectors.header);
    }
    expect(() => openEnvelope(vectors.envelope, reader(v.outsider), v.sender.keys.signPublicKey)).toThrow(DecryptError);
  });

  it('reproduces the committed nonce and ciphertext from the committed randomness (the AEAD known answer)', () => {
    const again = sealEnvelopeDeterministicForTests(
      { messageKey: hex(vectors.messageKey), nonce: hex(vectors.nonce) },
      {
        header: vectors.header,
        body: vectors.body,
        sender: { userId: v.sender.userId, signPrivateKey: v.sender.keys.signPrivateKey, boxPublicKey: v.sender.keys.boxPublicKey },
        recipients: v.recipients.map((r) => ({ userId: r.userId, boxPublicKey: r.keys.boxPublicKey })),
      },
    );
    expect(again.nonce).toBe(vectors.envelope.nonce);
    expect(again.ciphertext).toBe(vectors.envelope.ciphertext);
    expect(again.header).toEqual(vectors.header);
    // crypto_box_seal uses a fresh ephemeral key each time, so the wrapped keys (and the signature) differ.
    expect(again.wrappedKeys.map((k) => k.userId)).toEqual(vectors.envelope.wrappedKeys.map((k) => k.userId));
    expect(again.wrappedKeys[0]!.wrappedKey).not.toBe(vectors.envelope.wrappedKeys[0]!.wrappedKey);
    expect(text(openEnvelope(again, reader(v.recipients[2]!), v.sender.keys.signPublicKey).body)).toBe(vectors.body);
  });

  it('refuses fixed randomness outside tests', () => {
    const saved = { VITEST: process.env.VITEST, NODE_ENV: process.env.NODE_ENV };
    process.env.VITEST = 'false';
    process.env.NODE_ENV = 'production';
    try {
      expect(() =>
        sealEnvelopeDeterministicForTests(
          { messageKey: new Uint8Array(32), nonce: new Uint8Array(24) },
          { header, body: 'x', sender: { ...sender.keys, userId: sender.userId }, recipients: [] },
        ),
      ).toThrow(/only under tests/);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});

describe('sealing and opening', () => {
  it('opens for the sender and each of three recipients; any text or bytes round-trip', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.uint8Array({ maxLength: 200 })), (body) => {
        const envelope = seal(body);
        const expected = typeof body === 'string' ? utf8(body) : body;
        for (const person of [sender, ...recipients]) {
          const opened = openEnvelope(envelope, reader(person), sender.keys.signPublicKey);
          expect(opened.body).toEqual(expected);
          expect(opened.header).toEqual(header);
        }
      }),
      { numRuns: 15 },
    );
  });

  it('survives travel as JSON, lists the sender and recipients in order, and never shows the body', () => {
    const envelope = seal('canary-7f3a');
    const travelled = JSON.parse(JSON.stringify(envelope)) as Envelope;
    expect(text(openEnvelope(travelled, reader(recipients[1]!), sender.keys.signPublicKey).body)).toBe('canary-7f3a');
    expect(travelled.wrappedKeys.map((k) => k.userId)).toEqual([recipients[0]!.userId, sender.userId, recipients[1]!.userId, recipients[2]!.userId]);
    expect(JSON.stringify(envelope)).not.toContain('canary');
    const other = seal('canary-7f3a');
    expect(other.nonce).not.toBe(envelope.nonce);
    expect(other.ciphertext).not.toBe(envelope.ciphertext);
  });

  it('refuses a non-recipient, even one who claims a recipient’s user id', () => {
    const envelope = seal();
    expectRefused(envelope, DecryptError, outsider);
    expect(() => openEnvelope(envelope, { ...reader(outsider), userId: recipients[0]!.userId }, sender.keys.signPublicKey)).toThrow(DecryptError);
  });

  it('refuses a signature checked against someone else’s key', () => {
    expect(() => verifyEnvelope(seal(), outsider.keys.signPublicKey)).toThrow(SignatureError);
  });

  it('refuses to open when a correctly signed envelope carries a key that does not open the body', () => {
    const s = sodium();
    const envelope = seal();
    const bob = recipients[1]!;
    const wrong = s.crypto_box_seal(s.crypto_aead_xchacha20poly1305_ietf_keygen(), bob.keys.boxPublicKey);
    const bad = {
      ...envelope,
      wrappedKeys: envelope.wrappedKeys.map((k) => (k.userId === bob.userId ? { ...k, wrappedKey: Buffer.from(wrong).toString('base64url') } : k)),
    };
    bad.signature = Buffer.from(s.crypto_sign_detached(envelopeSigningBytes(bad), sender.keys.signPrivateKey)).toString('base64url');
    verifyEnvelope(bad, sender.keys.signPublicKey);
    expect(() => openEnvelope(bad, reader(bob), sender.keys.signPublicKey)).toThrow(DecryptError);
    expect(text(openEnvelope(bad, reader(recipients[0]!), sender.keys.signPublicKey).body)).toContain('bruise');
  });

  it.each([
    ['a sender id that is not the header’s', () => ({ sender: { userId: recipients[0]!.userId } }), 'sender.userId'],
    [
      'keys that do not match the header’s fingerprint',
      () => ({ header: { ...header, senderKeyFingerprint: outsider.fingerprint } }),
      'header.senderKeyFingerprint',
    ],
    ['a recipient missing', () => ({ to: recipients.slice(1) }), 'recipients'],
    ['a recipient too many', () => ({ to: [...recipients, outsider] }), 'recipients'],
    ['a recipient twice', () => ({ to: [recipients[0]!, recipients[0]!, recipients[1]!] }), 'recipients'],
    ['a body with a lone surrogate', () => ({ body: 'a\ud800b' }), 'body'],
    ['a header of the wrong shape', () => ({ header: { ...header, tier: 'secret' } as unknown as EnvelopeHeader }), 'header.tier'],
  ])('refuses to seal with %s', (_what, change, field) => {
    const c: { sender?: { userId: string }; header?: EnvelopeHeader; to?: Person[]; body?: string } = change();
    const error = thrown(() =>
      sealEnvelope({
        header: c.header ?? header,
        body: c.body ?? 'x',
        sender: { userId: c.sender?.userId ?? sender.userId, signPrivateKey: sender.keys.signPrivateKey, boxPublicKey: sender.keys.boxPublicKey },
        recipients: (c.to ?? recipients).map((r) => ({ userId: r.userId, boxPublicKey: r.keys.boxPublicKey })),
      }),
    );
    expect(error).toBeInstanceOf(MalformedEnvelopeError);
    expect((error as MalformedEnvelopeError).field).toBe(field);
  });
});

type Path = (string | number)[];

/** Every path from the root to a string, number, boolean or null. */
function leaves(value: unknown, path: Path = []): Path[] {
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, child]) => leaves(child, [...path, Array.isArray(value) ? Number(key) : key]));
  }
  return [path];
}

function getAt(root: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], root);
}

function setAt<T>(root: T, path: Path, value: unknown): T {
  const copy = structuredClone(root);
  const parent = getAt(copy, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path.at(-1)!] = value;
  return copy;
}

const ENUM_SWAPS: Record<string, string> = { message: 'written_record', written_record: 'message', welfare: 'offending_risk', offending_risk: 'welfare' };

/** Another value of the same kind, valid where the original was (a uuid stays a uuid, a time a time). */
function alter(value: unknown): unknown {
  if (value === null) return '6b0d2f4a-8c1e-4a7b-9f3d-2e5c8a1b7d40';
  if (typeof value === 'number') return value + 1;
  if (typeof value === 'boolean') return !value;
  if (typeof value !== 'string') throw new Error('not a leaf');
  if (/^[0-9a-f-]{36}$|^[0-9a-f]{64}$/.test(value)) return value.slice(0, -1) + (value.endsWith('0') ? '1' : '0');
  if (value.endsWith('Z')) return new Date(Date.parse(value) + 1).toISOString();
  return ENUM_SWAPS[value] ?? `${value}.`;
}

describe('tampering', () => {
  let envelope: Envelope;
  beforeAll(() => {
    envelope = seal();
  });

  it('changing any header field, nested record fields and recipient entries included, fails with the right error', () => {
    const paths = leaves(envelope.header);
    expect(paths.length).toBeGreaterThan(25);
    // These three also break the rule that wrapped keys go to exactly the sender and the recipients.
    const malformed = ['v', 'senderId', ...recipients.map((_, i) => `recipients.${i}.userId`)];
    for (const path of paths) {
      const tampered = { ...envelope, header: setAt(envelope.header, path, alter(getAt(envelope.header, path))) };
      const expected = malformed.includes(path.join('.')) ? MalformedEnvelopeError : SignatureError;
      expect(
        thrown(() => verifyEnvelope(tampered, sender.keys.signPublicKey)),
        path.join('.'),
      ).toBeInstanceOf(expected);
      expect(
        thrown(() => openEnvelope(tampered, reader(recipients[2]!), sender.keys.signPublicKey)),
        path.join('.'),
      ).toBeInstanceOf(expected);
    }
  });

  it.each<[string, (h: EnvelopeHeader) => unknown, typeof SignatureError | typeof MalformedEnvelopeError]>([
    ['adds a record field', (h) => ({ ...h, record: { ...h.record, extra: 'x' } }), SignatureError],
    ['removes a record field', (h) => ({ ...h, record: { ...h.record, purpose: undefined } }), SignatureError],
    ['renames a record field', (h) => ({ ...h, record: { ...h.record, purpose: undefined, Purpose: h.record.purpose } }), SignatureError],
    [
      'adds to a record list',
      (h) => ({ ...h, record: { ...h.record, kindsOfInformation: [...(h.record.kindsOfInformation as string[]), 'health'] } }),
      SignatureError,
    ],
    [
      'reorders a record list',
      (h) => ({ ...h, record: { ...h.record, kindsOfInformation: [...(h.record.kindsOfInformation as string[])].reverse() } }),
      SignatureError,
    ],
    ['turns the version into a string', (h) => ({ ...h, v: '1' }), MalformedEnvelopeError],
  ])('a header that %s fails', (_what, change, expected) => {
    expectRefused({ ...envelope, header: JSON.parse(JSON.stringify(change(envelope.header))) as EnvelopeHeader }, expected);
  });

  it('re-addressing a recipient, adding one or removing one consistently in header and keys still breaks the signature', () => {
    const [first, second] = [recipients[0]!, recipients[1]!];
    const moved = clone(envelope);
    moved.header.recipients[0] = { userId: outsider.userId.replace(/^e/, '0'), keyFingerprint: outsider.fingerprint };
    moved.wrappedKeys[0] = { ...moved.wrappedKeys[0]!, userId: moved.header.recipients[0].userId };
    expectRefused(moved, SignatureError);

    const added = clone(envelope);
    added.header.recipients.push({ userId: outsider.userId, keyFingerprint: outsider.fingerprint });
    added.wrappedKeys.push({
      userId: outsider.userId,
      wrappedKey: Buffer.from(sodium().crypto_box_seal(new Uint8Array(32), outsider.keys.boxPublicKey)).toString('base64url'),
    });
    expectRefused(added, SignatureError, outsider);

    const removed = clone(envelope);
    removed.header.recipients = removed.header.recipients.filter((r) => r.userId !== first.userId);
    removed.wrappedKeys = removed.wrappedKeys.filter((k) => k.userId !== first.userId);
    expectRefused(removed, SignatureError, second);
  });

  it('changing the nonce, the ciphertext or the signature fails the signature', () => {
    expectRefused({ ...envelope, nonce: flip(envelope.nonce) }, SignatureError);
    expectRefused({ ...envelope, ciphertext: flip(envelope.ciphertext) }, SignatureError);
    const shorter = Buffer.from(fromBase64Url(envelope.ciphertext).subarray(0, -1)).toString('base64url');
    expectRefused({ ...envelope, ciphertext: shorter }, SignatureError);
    expectRefused({ ...envelope, signature: flip(envelope.signature) }, SignatureError);
    expectRefused({ ...envelope, signature: seal().signature }, SignatureError);
  });

  it('changing any wrapped key, or swapping two users’ keys, fails the signature', () => {
    envelope.wrappedKeys.forEach((_, index) => {
      const tampered = clone(envelope);
      tampered.wrappedKeys[index]!.wrappedKey = flip(tampered.wrappedKeys[index]!.wrappedKey);
      expectRefused(tampered, SignatureError);
    });
    const swapped = clone(envelope);
    [swapped.wrappedKeys[0]!.wrappedKey, swapped.wrappedKeys[1]!.wrappedKey] = [envelope.wrappedKeys[1]!.wrappedKey, envelope.wrappedKeys[0]!.wrappedKey];
    expectRefused(swapped, SignatureError);
  });

  it('removing, adding or reordering wrapped keys is refused as malformed', () => {
    const extra = { userId: outsider.userId, wrappedKey: envelope.wrappedKeys[0]!.wrappedKey };
    for (const wrappedKeys of [
      envelope.wrappedKeys.slice(1),
      [...envelope.wrappedKeys, extra],
      [...envelope.wrappedKeys].reverse(),
      [envelope.wrappedKeys[0]!, ...envelope.wrappedKeys],
    ]) {
      expectRefused({ ...envelope, wrappedKeys }, MalformedEnvelopeError);
    }
  });
});

/** A copy with object keys in a random order at every level (arrays keep their order). */
function shuffleKeys(value: unknown, random: () => number): unknown {
  if (Array.isArray(value)) return value.map((item) => shuffleKeys(item, random));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return Object.fromEntries(entries.map(([key, child]) => [key, shuffleKeys(child, random)]));
}

describe('canonical form', () => {
  it('does not depend on the order of keys, at any level', () => {
    const envelope = seal();
    const bytes = toHex(envelopeSigningBytes(envelope));
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        let state = seed >>> 0;
        const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
        const shuffled = shuffleKeys(envelope, random) as Envelope;
        expect(canonicalJson(shuffled.header)).toBe(canonicalJson(header));
        expect(toHex(envelopeSigningBytes(shuffled))).toBe(bytes);
        verifyEnvelope(shuffled, sender.keys.signPublicKey);
      }),
      { numRuns: 50 },
    );
  });
});

describe('parseEnvelope', () => {
  let envelope: Envelope;
  beforeAll(() => {
    envelope = seal();
  });

  it('returns an equal, fresh copy of a well-formed envelope, and assertHeaderShape likewise', () => {
    const parsed = parseEnvelope(JSON.parse(JSON.stringify(envelope)));
    expect(parsed).toEqual(envelope);
    expect(parsed.header).not.toBe(envelope.header);
    expect(assertHeaderShape(header)).toEqual(header);
    expect(assertHeaderShape(header).record).not.toBe(header.record);
  });

  it('returns a frozen envelope, so what is verified is what was parsed; a changed copy is decoded and refused afresh', () => {
    const parsed = parseEnvelope(JSON.parse(JSON.stringify(envelope)));
    expect(Object.isFrozen(parsed) && Object.isFrozen(parsed.header) && Object.isFrozen(parsed.wrappedKeys[0])).toBe(true);
    expect(() => Object.assign(parsed, { ciphertext: envelope.nonce })).toThrow(TypeError);
    expect(() => verifyEnvelope(parsed, sender.keys.signPublicKey)).not.toThrow();
    const bytes = fromBase64Url(parsed.ciphertext);
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    expect(() => verifyEnvelope({ ...parsed, ciphertext: toBase64Url(bytes) }, sender.keys.signPublicKey)).toThrow(SignatureError);
  });

  const nested = (depth: number): unknown => (depth === 0 ? 'deep' : { a: nested(depth - 1) });
  const cases: [string, (e: Envelope) => unknown, string][] = [
    ['not an object', () => 'envelope', 'envelope'],
    ['an array', () => [], 'envelope'],
    ['another version', (e) => ({ ...e, v: 4 }), 'v'],
    ['an unknown field', (e) => ({ ...e, extra: true }), 'extra'],
    ['no header', (e) => ({ ...e, header: undefined }), 'header'],
    ['a header of another version', (e) => ({ ...e, header: { ...e.header, v: 2 } }), 'header.v'],
    ['an unknown header field', (e) => ({ ...e, header: { ...e.header, purpose: 'x' } }), 'header.purpose'],
    ['a missing header field', (e) => ({ ...e, header: { ...e.header, replyTo: undefined } }), 'header.replyTo'],
    ['an upper-case uuid', (e) => ({ ...e, header: { ...e.header, id: e.header.id.toUpperCase() } }), 'header.id'],
    ['an unknown kind', (e) => ({ ...e, header: { ...e.header, kind: 'letter' } }), 'header.kind'],
    ['an unknown tier', (e) => ({ ...e, header: { ...e.header, tier: 'secret' } }), 'header.tier'],
    ['a short fingerprint', (e) => ({ ...e, header: { ...e.header, senderKeyFingerprint: 'abcd' } }), 'header.senderKeyFingerprint'],
    ['a time without milliseconds', (e) => ({ ...e, header: { ...e.header, sentAt: '2026-03-02T09:15:30Z' } }), 'header.sentAt'],
    ['a time with an offset', (e) => ({ ...e, header: { ...e.header, sentAt: '2026-03-02T09:15:30.000+01:00' } }), 'header.sentAt'],
    ['an impossible date', (e) => ({ ...e, header: { ...e.header, sentAt: '2026-02-30T09:15:30.000Z' } }), 'header.sentAt'],
    ['no recipients', (e) => ({ ...e, header: { ...e.header, recipients: [] } }), 'header.recipients'],
    ['unsorted recipients', (e) => ({ ...e, header: { ...e.header, recipients: [...e.header.recipients].reverse() } }), 'header.recipients[1].userId'],
    [
      'a repeated recipient',
      (e) => ({ ...e, header: { ...e.header, recipients: [e.header.recipients[0], ...e.header.recipients] } }),
      'header.recipients[1].userId',
    ],
    [
      'the sender as a recipient',
      (e) => ({ ...e, header: { ...e.header, recipients: [{ userId: e.header.senderId, keyFingerprint: e.header.senderKeyFingerprint }] } }),
      'header.recipients[0].userId',
    ],
    [
      'a recipient with an extra field',
      (e) => ({ ...e, header: { ...e.header, recipients: [{ ...e.header.recipients[0], name: 'x' }] } }),
      'header.recipients[0].name',
    ],
    ['a record that is a list', (e) => ({ ...e, header: { ...e.header, record: [] } }), 'header.record'],
    ['a record with undefined', (e) => ({ ...e, header: { ...e.header, record: { a: undefined } } }), 'header.record.a'],
    ['a record with a date', (e) => ({ ...e, header: { ...e.header, record: { a: new Date(0) } } }), 'header.record.a'],
    ['a record with NaN', (e) => ({ ...e, header: { ...e.header, record: { a: [1, NaN] } } }), 'header.record.a[1]'],
    ['a record with a lone surrogate', (e) => ({ ...e, header: { ...e.header, record: { a: 'x\udc00' } } }), 'header.record.a'],
    ['a record with NUL', (e) => ({ ...e, header: { ...e.header, record: { 'a\u0000': 'x' } } }), 'header.record.a\u0000'],
    [
      'a record nested too deep',
      (e) => ({ ...e, header: { ...e.header, record: nested(MAX_RECORD_DEPTH + 1) } }),
      'header.record' + '.a'.repeat(MAX_RECORD_DEPTH),
    ],
    ['a correction without a reason', (e) => ({ ...e, header: { ...e.header, correctionReason: null } }), 'header.correctionReason'],
    ['a blank correction reason', (e) => ({ ...e, header: { ...e.header, correctionReason: '  ' } }), 'header.correctionReason'],
    ['a reason without a correction', (e) => ({ ...e, header: { ...e.header, corrects: null } }), 'header.correctionReason'],
    ['a nonce of 23 bytes', (e) => ({ ...e, nonce: Buffer.alloc(23).toString('base64url') }), 'nonce'],
    ['a padded nonce', (e) => ({ ...e, nonce: `${e.nonce}=` }), 'nonce'],
    ['standard base64', (e) => ({ ...e, ciphertext: e.ciphertext.replace(/^./, '+') }), 'ciphertext'],
    ['a ciphertext shorter than its tag', (e) => ({ ...e, ciphertext: Buffer.alloc(15).toString('base64url') }), 'ciphertext'],
    // A 64-byte value leaves 4 spare bits in its last character; setting one must not give a second spelling.
    ['a signature with spare bits set', (e) => ({ ...e, signature: e.signature.slice(0, -1) + 'B' }), 'signature'],
    ['a signature of 63 bytes', (e) => ({ ...e, signature: Buffer.alloc(63).toString('base64url') }), 'signature'],
    ['a numeric signature', (e) => ({ ...e, signature: 7 }), 'signature'],
    ['wrapped keys that are not a list', (e) => ({ ...e, wrappedKeys: {} }), 'wrappedKeys'],
    [
      'a wrapped key of 79 bytes',
      (e) => ({ ...e, wrappedKeys: e.wrappedKeys.map((k) => ({ ...k, wrappedKey: Buffer.alloc(79).toString('base64url') })) }),
      'wrappedKeys[0].wrappedKey',
    ],
    ['a wrapped key without a user', (e) => ({ ...e, wrappedKeys: e.wrappedKeys.map(({ wrappedKey }) => ({ wrappedKey })) }), 'wrappedKeys[0].userId'],
  ];

  it.each(cases)('refuses %s, naming the field', (_what, change, field) => {
    const error = thrown(() => parseEnvelope(change(envelope)));
    expect(error).toBeInstanceOf(MalformedEnvelopeError);
    expect((error as MalformedEnvelopeError).field).toBe(field);
    expect((error as MalformedEnvelopeError).code).toBe('malformed_envelope');
  });

  it('accepts a record nested exactly as deep as allowed', () => {
    const deepest = { ...header, record: nested(MAX_RECORD_DEPTH) as Record<string, unknown> };
    expect(assertHeaderShape(deepest).record).toEqual(deepest.record);
  });

  it('throws nothing but MalformedEnvelopeError for random input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything({ withNullPrototype: true, withBoxedValues: true, withSparseArray: true })), (value) => {
        expect(thrown(() => parseEnvelope(value))).toBeInstanceOf(MalformedEnvelopeError);
      }),
      { numRuns: 300 },
    );
  });

  it('throws nothing but MalformedEnvelopeError when any one field of a real envelope is replaced by random JSON', () => {
    const paths = leaves(envelope).map((p) => p.slice(0, 1 + Math.floor(p.length / 2)));
    fc.assert(
      fc.property(fc.constantFrom(...paths, ...leaves(envelope)), fc.jsonValue({ maxDepth: 3 }), (path, value) => {
        const changed = setAt(envelope, path, value);
        let parsed: Envelope | undefined;
        try {
          parsed = parseEnvelope(changed);
        } catch (error) {
          expect(error).toBeInstanceOf(MalformedEnvelopeError);
        }
        // What still parses (a changed record value, say) must then fail the signature, never pass or throw otherwise.
        if (parsed && canonicalJson(changed) !== canonicalJson(envelope)) {
          expect(thrown(() => verifyEnvelope(parsed, sender.keys.signPublicKey))).toBeInstanceOf(SignatureError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps its errors typed, coded and free of the values it saw', () => {
    const error = thrown(() => parseEnvelope({ ...envelope, header: { ...envelope.header, childId: 'Amir Khan' } }));
    expect(error).toBeInstanceOf(CryptoError);
    expect((error as Error).message).toBe('header.childId must be a lower-case uuid');
    expect(new SignatureError()).toMatchObject({ code: 'signature_invalid', name: 'SignatureError' });
  });
});
