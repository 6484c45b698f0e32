import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DecryptError,
  MalformedEnvelopeError,
  SignatureError,
  canonicalJson,
  envelopeHash,
  envelopeSigningBytes,
  grantEnvelopeKey,
  keyGrantSigningBytes,
  openEnvelope,
  openEnvelopeWithGrant,
  parseEnvelope,
  parseKeyGrant,
  ready,
  toHex,
  utf8,
  verifyKeyGrant,
  type Envelope,
  type EnvelopeHeaderV3,
  type KeyGrant,
} from '../../crypto';
import { sealEnvelopeDeterministicForTests } from '../../crypto/envelope';
import { sodium } from '../../crypto/sodium';

// Envelope v3 = v2 with the readers still waiting for keys in the signed header (issue 18 bug 1),
// and the key grant by which a reader of it later wraps its key for one of them.
interface V3Vectors {
  messageKey: string;
  nonce: string;
  body: string;
  header: EnvelopeHeaderV3;
  headerJcs: string;
  additionalData: string;
  signingBytes: string;
  envelopeHash: string;
  envelope: Envelope;
  grant: KeyGrant;
  grantSigningBytes: string;
}
type Seeds = { signSeed: string; boxSeed: string; userId: string; keyFingerprint: string };
const v3 = JSON.parse(readFileSync(new URL('../vectors/envelope-v3.json', import.meta.url), 'utf8')) as V3Vectors;
const v1 = JSON.parse(readFileSync(new URL('../vectors/envelope-v1.json', import.meta.url), 'utf8')) as { people: { sender: Seeds; recipients: Seeds[] } };
const hex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));
const person = (p: Seeds) => {
  const s = sodium();
  const sign = s.crypto_sign_seed_keypair(hex(p.signSeed));
  const box = s.crypto_box_seed_keypair(hex(p.boxSeed));
  return {
    userId: p.userId,
    sign,
    box,
    fingerprint: p.keyFingerprint,
    reader: { userId: p.userId, boxPublicKey: box.publicKey, boxPrivateKey: box.privateKey },
  };
};
let sender: ReturnType<typeof person>;
let granter: ReturnType<typeof person>;
let pending: ReturnType<typeof person>;
let outsider: ReturnType<typeof person>;

beforeAll(async () => {
  await ready();
  sender = person(v1.people.sender);
  granter = person(v1.people.recipients[0]!);
  pending = person(v1.people.recipients[1]!);
  outsider = person(v1.people.recipients[2]!);
});

const refused = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedEnvelopeError);
    return (error as MalformedEnvelopeError).field;
  }
  throw new Error('expected a refusal');
};
const granterKeys = () => ({ signPublicKey: granter.sign.publicKey, fingerprint: granter.fingerprint });

describe('envelope v3 known answers (test/vectors/envelope-v3.json)', () => {
  it('lays out and signs as documented under the v3 label, and seals again to the committed ciphertext', () => {
    const envelope = parseEnvelope(v3.envelope);
    expect(canonicalJson(v3.header)).toBe(v3.headerJcs);
    expect(toHex(utf8(`haven/envelope/v3\u0000${v3.headerJcs}`))).toBe(v3.additionalData);
    expect(toHex(envelopeSigningBytes(envelope))).toBe(v3.signingBytes);
    expect(envelopeHash(envelope)).toBe(v3.envelopeHash);
    // The pending reader has no wrapped key of their own: only the sender and the recipient do.
    expect(envelope.wrappedKeys.map((k) => k.userId).sort()).toEqual([sender.userId, granter.userId].sort());
    expect(() => openEnvelope(envelope, pending.reader, sender.sign.publicKey)).toThrow(DecryptError);
    expect(new TextDecoder().decode(openEnvelope(envelope, granter.reader, sender.sign.publicKey).body)).toBe(v3.body);
    const again = sealEnvelopeDeterministicForTests(
      { messageKey: hex(v3.messageKey), nonce: hex(v3.nonce) },
      {
        header: v3.header,
        body: v3.body,
        sender: { userId: sender.userId, signPrivateKey: sender.sign.privateKey, boxPublicKey: sender.box.publicKey },
        recipients: [{ userId: granter.userId, boxPublicKey: granter.box.publicKey }],
      },
    );
    expect(again.ciphertext).toBe(v3.envelope.ciphertext);
  });

  it('the committed grant verifies and opens the record for the pending reader only', () => {
    expect(toHex(keyGrantSigningBytes(v3.grant))).toBe(v3.grantSigningBytes);
    verifyKeyGrant(v3.grant, granterKeys());
    const opened = openEnvelopeWithGrant(v3.envelope, v3.grant, pending.reader, { senderSignPublicKey: sender.sign.publicKey, granter: granterKeys() });
    expect(new TextDecoder().decode(opened.body)).toBe(v3.body);
    expect(() => openEnvelopeWithGrant(v3.envelope, v3.grant, outsider.reader, { senderSignPublicKey: sender.sign.publicKey, granter: granterKeys() })).toThrow(
      DecryptError,
    );
  });
});

describe('envelope v3 header rules', () => {
  const withHeader = (over: Record<string, unknown>) => ({ ...v3.envelope, header: { ...v3.header, ...over } });

  it('refuses a pending list out of order, repeated, naming the sender or a recipient, or missing', () => {
    const [a, b] = [pending.userId, outsider.userId].sort();
    expect(refused(() => parseEnvelope(withHeader({ pending: [b, a] })))).toBe('header.pending[1]');
    expect(refused(() => parseEnvelope(withHeader({ pending: [a, a] })))).toBe('header.pending[1]');
    expect(refused(() => parseEnvelope(withHeader({ pending: [sender.userId] })))).toBe('header.pending[0]');
    expect(refused(() => parseEnvelope(withHeader({ pending: [granter.userId] })))).toBe('header.pending[0]');
    const { pending: _gone, ...noPending } = v3.header;
    expect(refused(() => parseEnvelope({ ...v3.envelope, header: noPending }))).toBe('header.pending');
    // v2 knows no `pending`.
    expect(refused(() => parseEnvelope({ ...v3.envelope, v: 2, header: { ...v3.header, v: 2 } }))).toBe('header.pending');
  });

  it('lets the sender alone hold the key while others are pending, but never nobody at all', () => {
    expect(refused(() => parseEnvelope(withHeader({ recipients: [], pending: [] })))).toBe('header.recipients');
    const header: EnvelopeHeaderV3 = { ...v3.header, recipients: [], pending: [granter.userId, pending.userId].sort() };
    const alone = sealEnvelopeDeterministicForTests(
      { messageKey: hex(v3.messageKey), nonce: hex(v3.nonce) },
      { header, body: v3.body, sender: { userId: sender.userId, signPrivateKey: sender.sign.privateKey, boxPublicKey: sender.box.publicKey }, recipients: [] },
    );
    expect(
      new TextDecoder().decode(
        openEnvelope(alone, { userId: sender.userId, boxPublicKey: sender.box.publicKey, boxPrivateKey: sender.box.privateKey }, sender.sign.publicKey).body,
      ),
    ).toBe(v3.body);
    // The sender grants it to a pending reader later.
    const grant = grantEnvelopeKey({
      envelope: alone,
      senderSignPublicKey: sender.sign.publicKey,
      granter: { userId: sender.userId, signPrivateKey: sender.sign.privateKey, boxPublicKey: sender.box.publicKey, boxPrivateKey: sender.box.privateKey },
      to: { userId: pending.userId, boxPublicKey: pending.box.publicKey, keyFingerprint: pending.fingerprint },
    });
    const keys = { senderSignPublicKey: sender.sign.publicKey, granter: { signPublicKey: sender.sign.publicKey, fingerprint: sender.fingerprint } };
    expect(new TextDecoder().decode(openEnvelopeWithGrant(alone, grant, pending.reader, keys).body)).toBe(v3.body);
  });
});

describe('key grants', () => {
  it('are refused for a reader the envelope does not name as pending, or from someone it names as no reader', () => {
    const envelope = parseEnvelope(v3.envelope);
    expect(() =>
      grantEnvelopeKey({
        envelope,
        senderSignPublicKey: sender.sign.publicKey,
        granter: { ...granter.reader, signPrivateKey: granter.sign.privateKey },
        to: { userId: outsider.userId, boxPublicKey: outsider.box.publicKey, keyFingerprint: outsider.fingerprint },
      }),
    ).toThrow(MalformedEnvelopeError);
    // An outsider cannot unwrap the key in the first place.
    expect(() =>
      grantEnvelopeKey({
        envelope,
        senderSignPublicKey: sender.sign.publicKey,
        granter: { ...outsider.reader, signPrivateKey: outsider.sign.privateKey },
        to: { userId: pending.userId, boxPublicKey: pending.box.publicKey, keyFingerprint: pending.fingerprint },
      }),
    ).toThrow(DecryptError);
    // A grant re-signed by the outsider under their own name is refused by the reader: the header does not name them.
    const forged = { ...v3.grant, granterId: outsider.userId, granterKeyFingerprint: outsider.fingerprint };
    const signed = {
      ...forged,
      signature: Buffer.from(sodium().crypto_sign_detached(keyGrantSigningBytes(forged), outsider.sign.privateKey)).toString('base64url'),
    };
    const keys = { senderSignPublicKey: sender.sign.publicKey, granter: { signPublicKey: outsider.sign.publicKey, fingerprint: outsider.fingerprint } };
    expect(refused(() => openEnvelopeWithGrant(v3.envelope, signed, pending.reader, keys))).toBe('grant.granterId');
  });

  it('are refused when unsigned, signed by other keys, changed, or moved to another envelope', () => {
    const keys = { senderSignPublicKey: sender.sign.publicKey, granter: granterKeys() };
    const zeros = Buffer.alloc(64).toString('base64url');
    expect(() => openEnvelopeWithGrant(v3.envelope, { ...v3.grant, signature: zeros }, pending.reader, keys)).toThrow(SignatureError);
    expect(() =>
      openEnvelopeWithGrant(v3.envelope, v3.grant, pending.reader, {
        ...keys,
        granter: { signPublicKey: outsider.sign.publicKey, fingerprint: granter.fingerprint },
      }),
    ).toThrow(SignatureError);
    expect(() =>
      openEnvelopeWithGrant(v3.envelope, v3.grant, pending.reader, { ...keys, granter: { ...granterKeys(), fingerprint: outsider.fingerprint } }),
    ).toThrow(SignatureError);
    const other = { ...v3.envelope, header: { ...v3.header, sentAt: '2026-03-03T10:00:00.001Z' } };
    expect(refused(() => openEnvelopeWithGrant(other, v3.grant, pending.reader, keys))).toBe('grant.envelopeHash');
    expect(refused(() => parseKeyGrant({ ...v3.grant, extra: 1 }))).toBe('grant.extra');
    expect(refused(() => parseKeyGrant({ ...v3.grant, wrappedKey: v3.grant.signature }))).toBe('grant.wrappedKey');
  });
});
