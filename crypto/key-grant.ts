import { sodium } from './sodium';
import { canonicalJson } from './canonical-json';
import { blake2b256 } from './hash';
import { concatBytes, fromBase64Url, toBase64Url, toHex, utf8 } from './bytes';
import { DecryptError, MalformedInputError } from './errors';
import { keyFingerprint } from './identity';
import { MalformedEnvelopeError, SignatureError } from './envelope-errors';
import { exactObject, uuid } from './envelope-header';
import { envelopeSigningBytes, openEnvelopeWithMessageKey, parseEnvelope, unwrapMessageKey, type Envelope, type EnvelopeReader } from './envelope';

/**
 * A key grant, v1: the message key of one envelope v3, wrapped for one of the readers its signed
 * header names as pending, by someone the header names as able to read it (the sender or a
 * recipient), and signed by them. It binds the exact envelope (the hash of its signing bytes), so
 * it cannot be moved to another. Format: docs/envelope.md, "Version 3".
 */
export interface KeyGrant {
  v: 1;
  /** The envelope's header.id. */
  messageId: string;
  /** BLAKE2b-256 of the envelope's signing bytes, hex: the exact envelope the key is for. */
  envelopeHash: string;
  /** Who wrapped it: the envelope's sender or one of its recipients. */
  granterId: string;
  /** keyFingerprint of the keys that signed this grant. */
  granterKeyFingerprint: string;
  /** The pending reader it is for. */
  userId: string;
  /** keyFingerprint of the keys it is wrapped to. */
  keyFingerprint: string;
  /** crypto_box_seal(message key, the reader's X25519 public key): 80 bytes, base64url. */
  wrappedKey: string;
  /** Ed25519 over keyGrantSigningBytes, base64url. */
  signature: string;
}

export const KEY_GRANT_V1_LABEL = 'haven/key-grant/v1';

const FIELDS = ['v', 'messageId', 'envelopeHash', 'granterId', 'granterKeyFingerprint', 'userId', 'keyFingerprint', 'wrappedKey', 'signature'] as const;
const HEX64 = /^[0-9a-f]{64}$/;

/** The granter: their own keys, to open their wrapped key and to sign. */
export interface Granter extends EnvelopeReader {
  signPrivateKey: Uint8Array;
}

/**
 * Wraps `envelope`'s message key for a reader its header names as pending, whose keys the caller
 * checked against the key log. The granter must be able to open the envelope (sender or
 * recipient); `senderSignPublicKey` is the sender's key from the key log (the body is checked to
 * open before anything is granted).
 */
export function grantEnvelopeKey(input: {
  envelope: Envelope;
  senderSignPublicKey: Uint8Array;
  granter: Granter;
  to: { userId: string; boxPublicKey: Uint8Array; keyFingerprint: string };
}): KeyGrant {
  const s = sodium();
  const envelope = parseEnvelope(input.envelope);
  const { granter, to } = input;
  if (to.boxPublicKey.length !== s.crypto_box_PUBLICKEYBYTES) throw new MalformedInputError('encryption key has the wrong length');
  if (granter.signPrivateKey.length !== s.crypto_sign_SECRETKEYBYTES) throw new MalformedInputError('granter signing key has the wrong length');
  const granterKeyFingerprint = keyFingerprint({
    signPublicKey: toBase64Url(s.crypto_sign_ed25519_sk_to_pk(granter.signPrivateKey)),
    boxPublicKey: toBase64Url(granter.boxPublicKey),
  });
  const messageKey = unwrapMessageKey(envelope, granter, input.senderSignPublicKey);
  try {
    const unsigned = {
      v: 1 as const,
      messageId: envelope.header.id,
      envelopeHash: envelopeHash(envelope),
      granterId: granter.userId,
      granterKeyFingerprint,
      userId: to.userId,
      keyFingerprint: fingerprint(to.keyFingerprint, 'to.keyFingerprint'),
      wrappedKey: toBase64Url(s.crypto_box_seal(messageKey, to.boxPublicKey)),
    };
    const grant = { ...unsigned, signature: '' };
    checkKeyGrantFits(envelope, grant);
    return { ...unsigned, signature: toBase64Url(s.crypto_sign_detached(keyGrantSigningBytes(grant), granter.signPrivateKey)) };
  } finally {
    s.memzero(messageKey);
  }
}

/** Checks the structure of a key grant and returns a fresh copy (MalformedEnvelopeError naming the field, under `grant.`). */
export function parseKeyGrant(value: unknown): KeyGrant {
  const s = sodium();
  const g = exactObject(value, FIELDS, 'grant');
  if (g.v !== 1) throw new MalformedEnvelopeError('grant.v', 'must be 1');
  const wrappedLength = s.crypto_box_SEALBYTES + s.crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
  return {
    v: 1,
    messageId: uuid(g.messageId, 'grant.messageId'),
    envelopeHash: fingerprint(g.envelopeHash, 'grant.envelopeHash'),
    granterId: uuid(g.granterId, 'grant.granterId'),
    granterKeyFingerprint: fingerprint(g.granterKeyFingerprint, 'grant.granterKeyFingerprint'),
    userId: uuid(g.userId, 'grant.userId'),
    keyFingerprint: fingerprint(g.keyFingerprint, 'grant.keyFingerprint'),
    wrappedKey: base64(g.wrappedKey, 'grant.wrappedKey', wrappedLength),
    signature: base64(g.signature, 'grant.signature', s.crypto_sign_BYTES),
  };
}

/** "haven/key-grant/v1" ‖ 0x00 ‖ JCS(the grant without its signature). */
export function keyGrantSigningBytes(grant: KeyGrant): Uint8Array {
  const { signature: _signature, ...unsigned } = grant;
  return concatBytes(utf8(KEY_GRANT_V1_LABEL), new Uint8Array([0]), utf8(canonicalJson(unsigned)));
}

/** BLAKE2b-256 of the envelope's signing bytes, hex: what a grant names as the envelope it is for. */
export function envelopeHash(envelope: Envelope): string {
  return toHex(blake2b256(envelopeSigningBytes(envelope)));
}

/**
 * Whether the envelope's signed header allows this grant: a v3 envelope, the grant for that exact
 * envelope, for a reader the header names as pending, from its sender or one of its recipients.
 * Throws MalformedEnvelopeError naming what does not fit. Does not check the signature.
 */
export function checkKeyGrantFits(envelope: Envelope, grant: KeyGrant): void {
  const { header } = envelope;
  if (header.v !== 3) throw new MalformedEnvelopeError('grant.messageId', 'is for an envelope that names nobody pending (not version 3)');
  if (grant.messageId !== header.id) throw new MalformedEnvelopeError('grant.messageId', 'is not this envelope’s id');
  if (grant.envelopeHash !== envelopeHash(envelope)) throw new MalformedEnvelopeError('grant.envelopeHash', 'is not this envelope’s hash');
  if (!header.pending.includes(grant.userId)) throw new MalformedEnvelopeError('grant.userId', 'is not a reader the envelope names as pending');
  const readers = [header.senderId, ...header.recipients.map((r) => r.userId)];
  if (!readers.includes(grant.granterId)) throw new MalformedEnvelopeError('grant.granterId', 'is neither the envelope’s sender nor one of its recipients');
}

/** Throws SignatureError unless the grant was signed by the granter keys given (from the key log), whose fingerprint it names. */
export function verifyKeyGrant(grant: KeyGrant, granter: { signPublicKey: Uint8Array; fingerprint: string }): void {
  const s = sodium();
  const checked = parseKeyGrant(grant);
  if (granter.signPublicKey.length !== s.crypto_sign_PUBLICKEYBYTES) throw new MalformedInputError('signing key has the wrong length');
  if (checked.granterKeyFingerprint !== granter.fingerprint) throw new SignatureError('The key grant was not signed with the granter’s current keys.');
  if (!s.crypto_sign_verify_detached(fromBase64Url(checked.signature), keyGrantSigningBytes(checked), granter.signPublicKey)) throw new SignatureError();
}

/**
 * Opens an envelope v3 through a key grant, as the pending reader it names: the grant must fit
 * the envelope's signed header (checkKeyGrantFits) and be signed by the granter (keys from the key
 * log), then the body must open under the sender's signature as usual.
 */
export function openEnvelopeWithGrant(
  envelopeValue: Envelope,
  grantValue: KeyGrant,
  reader: EnvelopeReader,
  keys: { senderSignPublicKey: Uint8Array; granter: { signPublicKey: Uint8Array; fingerprint: string } },
): ReturnType<typeof openEnvelopeWithMessageKey> {
  const s = sodium();
  const envelope = parseEnvelope(envelopeValue);
  const grant = parseKeyGrant(grantValue);
  if (grant.userId !== reader.userId) throw new DecryptError('This key grant is for someone else.');
  checkKeyGrantFits(envelope, grant);
  verifyKeyGrant(grant, keys.granter);
  let messageKey: Uint8Array;
  try {
    messageKey = s.crypto_box_seal_open(fromBase64Url(grant.wrappedKey), reader.boxPublicKey, reader.boxPrivateKey);
  } catch {
    throw new DecryptError();
  }
  try {
    return openEnvelopeWithMessageKey(envelope, messageKey, keys.senderSignPublicKey);
  } finally {
    s.memzero(messageKey);
  }
}

function fingerprint(value: unknown, path: string): string {
  if (typeof value !== 'string' || !HEX64.test(value)) throw new MalformedEnvelopeError(path, 'must be 64 lower-case hex digits');
  return value;
}

function base64(value: unknown, path: string, length: number): string {
  if (typeof value !== 'string') throw new MalformedEnvelopeError(path, 'must be a base64url string');
  let decoded: Uint8Array;
  try {
    decoded = fromBase64Url(value);
  } catch {
    throw new MalformedEnvelopeError(path, 'is not base64url without padding');
  }
  if (decoded.length !== length) throw new MalformedEnvelopeError(path, `must be ${length} bytes`);
  return value;
}
