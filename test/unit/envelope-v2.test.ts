import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  MalformedEnvelopeError,
  SignatureError,
  canonicalJson,
  envelopeSigningBytes,
  fromBase64Url,
  openEnvelope,
  parseEnvelope,
  ready,
  toHex,
  utf8,
  verifyEnvelope,
  verifyTreeHead,
  type Envelope,
  type EnvelopeHeaderV2,
} from '../../crypto';
import { sealEnvelopeDeterministicForTests } from '../../crypto/envelope';
import { sodium } from '../../crypto/sodium';

// Envelope v2 = v1 with the sender's newest key-log head in the signed header (issue 17 item 3).
// The layout and the rest of the rules are v1's (test/unit/envelope.test.ts); here: the known
// answer, which Python checks independently (test/vectors/check-envelope-v2.py), and what v2 adds.
interface V2Vectors {
  logPublicKey: string;
  messageKey: string;
  nonce: string;
  body: string;
  header: EnvelopeHeaderV2;
  headerJcs: string;
  additionalData: string;
  signingBytes: string;
  envelope: Envelope;
}
interface V1People {
  people: { sender: { signSeed: string; boxSeed: string; userId: string }; recipients: { signSeed: string; boxSeed: string; userId: string }[] };
}
const v2 = JSON.parse(readFileSync(new URL('../vectors/envelope-v2.json', import.meta.url), 'utf8')) as V2Vectors;
const v1 = JSON.parse(readFileSync(new URL('../vectors/envelope-v1.json', import.meta.url), 'utf8')) as V1People;
const hex = (text: string) => Uint8Array.from(Buffer.from(text, 'hex'));
const person = (p: { signSeed: string; boxSeed: string; userId: string }) => {
  const s = sodium();
  const sign = s.crypto_sign_seed_keypair(hex(p.signSeed));
  const box = s.crypto_box_seed_keypair(hex(p.boxSeed));
  return { userId: p.userId, sign, box };
};
let sender: ReturnType<typeof person>;
let recipient: ReturnType<typeof person>;

beforeAll(async () => {
  await ready();
  sender = person(v1.people.sender);
  recipient = person(v1.people.recipients[0]!);
});

const refusedField = (value: unknown): string => {
  try {
    parseEnvelope(value);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedEnvelopeError);
    return (error as MalformedEnvelopeError).field;
  }
  throw new Error('expected a refusal');
};

describe('envelope v2 known answers (test/vectors/envelope-v2.json)', () => {
  it('lays out, signs and opens as documented, under the v2 label', () => {
    const envelope = parseEnvelope(v2.envelope);
    expect(canonicalJson(v2.header)).toBe(v2.headerJcs);
    expect(toHex(utf8(`haven/envelope/v2\u0000${v2.headerJcs}`))).toBe(v2.additionalData);
    expect(toHex(envelopeSigningBytes(envelope))).toBe(v2.signingBytes);
    verifyEnvelope(envelope, sender.sign.publicKey);
    const opened = openEnvelope(
      envelope,
      { userId: recipient.userId, boxPublicKey: recipient.box.publicKey, boxPrivateKey: recipient.box.privateKey },
      sender.sign.publicKey,
    );
    expect(new TextDecoder().decode(opened.body)).toBe(v2.body);
    expect(opened.header).toEqual(v2.header);
    expect(verifyTreeHead(v2.header.keyLogHead!, fromBase64Url(v2.logPublicKey))).toBe(true);
  });

  it('reproduces the committed ciphertext from the committed randomness', () => {
    const again = sealEnvelopeDeterministicForTests(
      { messageKey: hex(v2.messageKey), nonce: hex(v2.nonce) },
      {
        header: v2.header,
        body: v2.body,
        sender: { userId: sender.userId, signPrivateKey: sender.sign.privateKey, boxPublicKey: sender.box.publicKey },
        recipients: v1.people.recipients.map((r) => ({ userId: r.userId, boxPublicKey: person(r).box.publicKey })),
      },
    );
    expect(again.v).toBe(2);
    expect(again.ciphertext).toBe(v2.envelope.ciphertext);
  });
});

describe('envelope v2: the head is the sender’s, signed with the rest', () => {
  it('a head changed, dropped or swapped on the server breaks the sender’s signature', () => {
    const changed = structuredClone(v2.envelope) as Envelope & { header: EnvelopeHeaderV2 };
    changed.header.keyLogHead = { ...changed.header.keyLogHead!, treeSize: 6 };
    expect(() => verifyEnvelope(parseEnvelope(changed), sender.sign.publicKey)).toThrow(SignatureError);
    const dropped = structuredClone(v2.envelope) as Envelope & { header: EnvelopeHeaderV2 };
    dropped.header.keyLogHead = null;
    expect(() => verifyEnvelope(parseEnvelope(dropped), sender.sign.publicKey)).toThrow(SignatureError);
  });

  it('cannot be passed off as v1 (dropping the head and the version), nor v1 as v2', () => {
    const { keyLogHead: _dropped, ...rest } = structuredClone(v2.envelope.header) as EnvelopeHeaderV2;
    const asV1 = { ...structuredClone(v2.envelope), v: 1, header: { ...rest, v: 1 } };
    expect(() => verifyEnvelope(parseEnvelope(asV1), sender.sign.publicKey)).toThrow(SignatureError);
  });

  it('refuses a v2 header without the head, with a malformed head, or with the versions mixed', () => {
    const base = structuredClone(v2.envelope) as unknown as { v: number; header: Record<string, unknown> };
    const withHeader = (header: Record<string, unknown>, v = 2) => ({ ...base, v, header });
    const { keyLogHead: head, ...noHead } = base.header;
    expect(refusedField(withHeader(noHead))).toBe('header.keyLogHead');
    expect(refusedField(withHeader({ ...base.header, v: 1 }))).toBe('header.v');
    expect(refusedField({ ...base, v: 1 })).toBe('header.v');
    const h = head as Record<string, unknown>;
    const bad: [Record<string, unknown> | string, string][] = [
      ['not a head', 'header.keyLogHead'],
      [{ ...h, v: 2 }, 'header.keyLogHead.v'],
      [{ ...h, treeSize: -1 }, 'header.keyLogHead.treeSize'],
      [{ ...h, treeSize: 1.5 }, 'header.keyLogHead.treeSize'],
      [{ ...h, rootHash: 'AB'.repeat(32) }, 'header.keyLogHead.rootHash'],
      [{ ...h, timestamp: '2026-02-30T00:00:00.000Z' }, 'header.keyLogHead.timestamp'],
      [{ ...h, signature: 'short' }, 'header.keyLogHead.signature'],
      [{ ...h, extra: 1 }, 'header.keyLogHead.extra'],
    ];
    for (const [value, field] of bad) expect(refusedField(withHeader({ ...base.header, keyLogHead: value })), JSON.stringify(value)).toBe(field);
  });
});
