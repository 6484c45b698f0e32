import { sodium } from './sodium';
import { canonicalJson } from './canonical-json';
import { blake2b256 } from './hash';
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from './bytes';
import { keyFingerprint } from './identity';
import { DecryptError, MalformedInputError } from './errors';
import { MalformedEnvelopeError, SignatureError } from './envelope-errors';
import { assertHeaderShape, exactObject, isPlainObject, uuid, type EnvelopeHeader } from './envelope-header';

/**
 * Envelope v1, v2 and v3: the end-to-end encrypted form of a message or written record (v2's header
 * also carries the sender's newest key-log head, v3's the readers still waiting for keys; the layout
 * is otherwise the same, under each version's own label). The body is sealed
 * with XChaCha20-Poly1305 under a fresh message key, with the header as additional data; the
 * key is sealed (crypto_box_seal) to every recipient and to the sender; the sender signs the
 * header, the ciphertext and every wrapped key with Ed25519. Format: docs/envelope.md.
 */
export interface Envelope {
  /** Always the header's own `v`. */
  v: 1 | 2 | 3;
  header: EnvelopeHeader;
  /** 24 bytes, base64url without padding; likewise every byte string below. */
  nonce: string;
  ciphertext: string;
  /** One per recipient and one for the sender, sorted by userId. */
  wrappedKeys: WrappedKey[];
  signature: string;
}

export interface WrappedKey {
  userId: string;
  /** crypto_box_seal(message key, the user's X25519 public key): 80 bytes. */
  wrappedKey: string;
}

export interface SealEnvelopeInput {
  header: EnvelopeHeader;
  body: Uint8Array | string;
  sender: { userId: string; signPrivateKey: Uint8Array; boxPublicKey: Uint8Array };
  recipients: { userId: string; boxPublicKey: Uint8Array }[];
}

export interface EnvelopeReader {
  userId: string;
  boxPublicKey: Uint8Array;
  boxPrivateKey: Uint8Array;
}

/** The only randomness sealing uses apart from crypto_box_seal's own ephemeral keys. */
export interface EnvelopeRandomness {
  messageKey: Uint8Array;
  nonce: Uint8Array;
}

export const ENVELOPE_V1_LABEL = 'haven/envelope/v1';
export const ENVELOPE_V2_LABEL = 'haven/envelope/v2';
export const ENVELOPE_V3_LABEL = 'haven/envelope/v3';
const LABELS = { 1: ENVELOPE_V1_LABEL, 2: ENVELOPE_V2_LABEL, 3: ENVELOPE_V3_LABEL } as const;

const ENVELOPE_FIELDS = ['v', 'header', 'nonce', 'ciphertext', 'wrappedKeys', 'signature'] as const;
const WRAPPED_KEY_FIELDS = ['userId', 'wrappedKey'] as const;
const ZERO = new Uint8Array([0]);

interface Decoded {
  envelope: Envelope;
  headerJcs: string;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
  signature: Uint8Array;
}

type Version = Envelope['v'];

/** Seals `body` for the header's recipients and the sender, and signs the result. */
export function sealEnvelope(input: SealEnvelopeInput): Envelope {
  const s = sodium();
  const randomness = {
    messageKey: s.crypto_aead_xchacha20poly1305_ietf_keygen(),
    nonce: s.randombytes_buf(s.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES),
  };
  try {
    return sealEnvelopeWith(randomness, input);
  } finally {
    s.memzero(randomness.messageKey);
  }
}

/**
 * sealEnvelope with a fixed message key and nonce, for known-answer vectors. Reusing a key and
 * nonce pair for two bodies destroys confidentiality, so this refuses to run outside tests.
 */
export function sealEnvelopeDeterministicForTests(randomness: EnvelopeRandomness, input: SealEnvelopeInput): Envelope {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (env?.VITEST !== 'true' && env?.NODE_ENV !== 'test') {
    throw new Error('sealEnvelopeDeterministicForTests runs only under tests (VITEST=true or NODE_ENV=test)');
  }
  return sealEnvelopeWith(randomness, input);
}

/** Checks the structure of a serialised envelope (from the network or storage) and returns a fresh copy. */
export function parseEnvelope(value: unknown): Envelope {
  const d = decode(value);
  deepFreeze(d.envelope);
  parsed.set(d.envelope, d);
  return d.envelope;
}

// What parseEnvelope decoded (base64, the header's canonical form), so verifying or opening the
// envelope it returned does not decode it all again. Safe because that envelope is frozen: what
// is verified is exactly what was parsed.
const parsed = new WeakMap<Envelope, Decoded>();

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const inner of Object.values(value)) deepFreeze(inner);
}

function decoded(envelope: Envelope): Decoded {
  return parsed.get(envelope) ?? decode(envelope);
}

/**
 * The exact bytes the sender signs (docs/envelope.md, "What is signed"), so that another Ed25519
 * implementation (the server's node:crypto) can verify the signature. Checks the structure first.
 */
export function envelopeSigningBytes(envelope: Envelope): Uint8Array {
  const d = decode(envelope);
  return signingBytes(d.envelope.v, d.headerJcs, d.nonce, d.ciphertext, d.envelope.wrappedKeys);
}

/** Throws SignatureError unless the envelope was signed with the key whose public half is given. */
export function verifyEnvelope(envelope: Envelope, senderSignPublicKey: Uint8Array): void {
  verifyDecoded(decoded(envelope), senderSignPublicKey);
}

/**
 * Verifies the sender's signature, then unwraps the message key addressed to `reader` and
 * decrypts the body. Throws SignatureError, DecryptError (not addressed to this reader, or the
 * sender wrapped a key that does not open the body) or MalformedEnvelopeError.
 */
export function openEnvelope(envelope: Envelope, reader: EnvelopeReader, senderSignPublicKey: Uint8Array): { header: EnvelopeHeader; body: Uint8Array } {
  const s = sodium();
  const d = decoded(envelope);
  verifyDecoded(d, senderSignPublicKey);
  const entry = d.envelope.wrappedKeys.find((k) => k.userId === reader.userId);
  if (!entry) throw new DecryptError('This envelope was not addressed to you.');
  let messageKey: Uint8Array;
  try {
    messageKey = s.crypto_box_seal_open(fromBase64Url(entry.wrappedKey), reader.boxPublicKey, reader.boxPrivateKey);
  } catch {
    throw new DecryptError();
  }
  try {
    const body = s.crypto_aead_xchacha20poly1305_ietf_decrypt(null, d.ciphertext, additionalData(d.envelope.v, d.headerJcs), d.nonce, messageKey);
    return { header: d.envelope.header, body };
  } catch {
    throw new DecryptError();
  } finally {
    s.memzero(messageKey);
  }
}

/**
 * The message key of an envelope this reader can open: the signature is verified and the body is
 * checked to open under the key, so a key grant (crypto/key-grant.ts) never passes on a key that
 * does not work. The caller wipes the key after use (sodium().memzero).
 */
export function unwrapMessageKey(envelope: Envelope, reader: EnvelopeReader, senderSignPublicKey: Uint8Array): Uint8Array {
  const s = sodium();
  const d = decoded(envelope);
  verifyDecoded(d, senderSignPublicKey);
  const entry = d.envelope.wrappedKeys.find((k) => k.userId === reader.userId);
  if (!entry) throw new DecryptError('This envelope was not addressed to you.');
  let messageKey: Uint8Array;
  try {
    messageKey = s.crypto_box_seal_open(fromBase64Url(entry.wrappedKey), reader.boxPublicKey, reader.boxPrivateKey);
  } catch {
    throw new DecryptError();
  }
  try {
    s.memzero(decryptBody(d, messageKey));
    return messageKey;
  } catch (error) {
    s.memzero(messageKey);
    throw error;
  }
}

/** Verifies the sender's signature and decrypts the body with a message key obtained otherwise (a key grant). */
export function openEnvelopeWithMessageKey(
  envelope: Envelope,
  messageKey: Uint8Array,
  senderSignPublicKey: Uint8Array,
): { header: EnvelopeHeader; body: Uint8Array } {
  const d = decoded(envelope);
  verifyDecoded(d, senderSignPublicKey);
  return { header: d.envelope.header, body: decryptBody(d, messageKey) };
}

function decryptBody(d: Decoded, messageKey: Uint8Array): Uint8Array {
  try {
    return sodium().crypto_aead_xchacha20poly1305_ietf_decrypt(null, d.ciphertext, additionalData(d.envelope.v, d.headerJcs), d.nonce, messageKey);
  } catch {
    throw new DecryptError();
  }
}

function sealEnvelopeWith(randomness: EnvelopeRandomness, input: SealEnvelopeInput): Envelope {
  const s = sodium();
  const { messageKey, nonce } = randomness;
  if (messageKey.length !== s.crypto_aead_xchacha20poly1305_ietf_KEYBYTES) throw new MalformedInputError('message key has the wrong length');
  if (nonce.length !== s.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES) throw new MalformedInputError('nonce has the wrong length');
  const header = assertHeaderShape(input.header);
  const { sender } = input;
  if (sender.userId !== header.senderId) throw new MalformedEnvelopeError('sender.userId', 'must equal header.senderId');
  if (sender.signPrivateKey.length !== s.crypto_sign_SECRETKEYBYTES) throw new MalformedInputError('sender signing key has the wrong length');
  const readers = [{ userId: sender.userId, boxPublicKey: sender.boxPublicKey }, ...input.recipients];
  for (const reader of readers) {
    if (reader.boxPublicKey.length !== s.crypto_box_PUBLICKEYBYTES) throw new MalformedInputError('encryption key has the wrong length');
  }
  // Signing with keys other than the ones the header names would leave readers checking the wrong key.
  const signPublicKey = s.crypto_sign_ed25519_sk_to_pk(sender.signPrivateKey);
  if (keyFingerprint({ signPublicKey: toBase64Url(signPublicKey), boxPublicKey: toBase64Url(sender.boxPublicKey) }) !== header.senderKeyFingerprint) {
    throw new MalformedEnvelopeError('header.senderKeyFingerprint', "does not match the sender's keys");
  }
  const given = input.recipients.map((r) => r.userId).sort();
  if (given.length !== header.recipients.length || header.recipients.some((r, index) => r.userId !== given[index])) {
    throw new MalformedEnvelopeError('recipients', 'must be exactly the users in header.recipients, each once');
  }
  if (typeof input.body === 'string' && !input.body.isWellFormed()) throw new MalformedEnvelopeError('body', 'contains a lone surrogate');
  const body = typeof input.body === 'string' ? utf8(input.body) : input.body;

  const headerJcs = canonicalJson(header);
  const v = header.v;
  const ciphertext = s.crypto_aead_xchacha20poly1305_ietf_encrypt(body, additionalData(v, headerJcs), null, nonce, messageKey);
  const wrappedKeys = readers.map((r) => ({ userId: r.userId, wrappedKey: toBase64Url(s.crypto_box_seal(messageKey, r.boxPublicKey)) })).sort(byUserId);
  const signature = s.crypto_sign_detached(signingBytes(v, headerJcs, nonce, ciphertext, wrappedKeys), sender.signPrivateKey);
  return { v, header, nonce: toBase64Url(nonce), ciphertext: toBase64Url(ciphertext), wrappedKeys, signature: toBase64Url(signature) };
}

function verifyDecoded(d: Decoded, senderSignPublicKey: Uint8Array): void {
  const s = sodium();
  if (senderSignPublicKey.length !== s.crypto_sign_PUBLICKEYBYTES) throw new MalformedInputError('signing key has the wrong length');
  const message = signingBytes(d.envelope.v, d.headerJcs, d.nonce, d.ciphertext, d.envelope.wrappedKeys);
  if (!s.crypto_sign_verify_detached(d.signature, message, senderSignPublicKey)) throw new SignatureError();
}

/** "haven/envelope/v1" (or v2, v3) ‖ 0x00 ‖ JCS(header) */
function additionalData(v: Version, headerJcs: string): Uint8Array {
  return concatBytes(utf8(LABELS[v]), ZERO, utf8(headerJcs));
}

/** additionalData ‖ 0x00 ‖ BLAKE2b-256(nonce ‖ ciphertext) ‖ BLAKE2b-256(JCS(wrappedKeys sorted by userId)) */
function signingBytes(v: Version, headerJcs: string, nonce: Uint8Array, ciphertext: Uint8Array, wrappedKeys: readonly WrappedKey[]): Uint8Array {
  const sorted = wrappedKeys.map((k) => ({ userId: k.userId, wrappedKey: k.wrappedKey })).sort(byUserId);
  return concatBytes(additionalData(v, headerJcs), ZERO, blake2b256(concatBytes(nonce, ciphertext)), blake2b256(utf8(canonicalJson(sorted))));
}

// Compares UTF-16 code units, the order RFC 8785 uses for keys.
function byUserId(a: { userId: string }, b: { userId: string }): number {
  return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
}

function decode(value: unknown): Decoded {
  const s = sodium();
  const e = exactObject(value, ENVELOPE_FIELDS, '');
  if (e.v !== 1 && e.v !== 2 && e.v !== 3) throw new MalformedEnvelopeError('v', 'must be 1, 2 or 3 (the envelope versions this code reads)');
  // Named before the header's fields are, so a header of the other version is called that, not "missing keyLogHead".
  if (isPlainObject(e.header) && e.header['v'] !== e.v) throw new MalformedEnvelopeError('header.v', 'must equal the envelope’s v');
  const header = assertHeaderShape(e.header);
  if (header.v !== e.v) throw new MalformedEnvelopeError('header.v', 'must equal the envelope’s v');
  const nonce = bytes(e.nonce, 'nonce', (n) => n === s.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, 'must be 24 bytes');
  const ciphertext = bytes(e.ciphertext, 'ciphertext', (n) => n >= s.crypto_aead_xchacha20poly1305_ietf_ABYTES, 'must be at least 16 bytes');
  const wrappedLength = s.crypto_box_SEALBYTES + s.crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
  if (!Array.isArray(e.wrappedKeys)) throw new MalformedEnvelopeError('wrappedKeys', 'must be an array');
  const entries: unknown[] = e.wrappedKeys;
  const wrappedKeys = entries.map((entry, index): WrappedKey => {
    const path = `wrappedKeys[${index}]`;
    const k = exactObject(entry, WRAPPED_KEY_FIELDS, path);
    const userId = uuid(k.userId, `${path}.userId`);
    const wrappedKey = bytes(k.wrappedKey, `${path}.wrappedKey`, (n) => n === wrappedLength, `must be ${wrappedLength} bytes`).text;
    return { userId, wrappedKey };
  });
  // Exactly the sender and the listed recipients, in order: a key for anyone the header does not name would be a leak the server cannot see.
  const expected = [header.senderId, ...header.recipients.map((r) => r.userId)].sort();
  if (wrappedKeys.length !== expected.length) throw new MalformedEnvelopeError('wrappedKeys', 'must have one entry for the sender and one for each recipient');
  wrappedKeys.forEach((k, index) => {
    if (k.userId !== expected[index])
      throw new MalformedEnvelopeError(`wrappedKeys[${index}].userId`, 'is not the sender or a recipient, or is out of order (sort by userId)');
  });
  const signature = bytes(e.signature, 'signature', (n) => n === s.crypto_sign_BYTES, 'must be 64 bytes');
  const envelope: Envelope = { v: header.v, header, nonce: nonce.text, ciphertext: ciphertext.text, wrappedKeys, signature: signature.text };
  return { envelope, headerJcs: canonicalJson(header), nonce: nonce.bytes, ciphertext: ciphertext.bytes, signature: signature.bytes };
}

/** Decodes base64url without padding; libsodium refuses padding and non-zero spare bits, so each value has one spelling. */
function bytes(value: unknown, path: string, lengthOk: (length: number) => boolean, lengthRule: string): { text: string; bytes: Uint8Array } {
  if (typeof value !== 'string') throw new MalformedEnvelopeError(path, 'must be a base64url string');
  let decoded: Uint8Array;
  try {
    decoded = fromBase64Url(value);
  } catch {
    throw new MalformedEnvelopeError(path, 'is not base64url without padding');
  }
  if (!lengthOk(decoded.length)) throw new MalformedEnvelopeError(path, lengthRule);
  return { text: value, bytes: decoded };
}
