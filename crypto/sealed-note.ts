import { sodium } from './sodium';
import { canonicalJson } from './canonical-json';
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from './bytes';
import { DecryptError, MalformedInputError } from './errors';
import { SignatureError } from './envelope-errors';
import { isPlainObject } from './envelope-header';

/**
 * Sealed note: a short text (e.g. a verbal share's summary) readable only by named users.
 * A random 256-bit key encrypts the text with XChaCha20-Poly1305; the additional data binds it
 * to its context (which share, which child, which sender), so it cannot be moved elsewhere;
 * the key is sealed (crypto_box_seal) to each reader's X25519 key, the writer included.
 * Version 2 is also signed with the author's Ed25519 identity key over all of that, so whoever
 * stores it (the server) cannot replace it with a note of its own: anyone can seal to the
 * readers' public keys, only the author can sign. Version 1 (unsigned) is still opened, and says
 * so. Format: docs/sealed-note.md.
 */
export interface SealedNoteV1 {
  v: 1;
  nonce: string;
  ciphertext: string;
  keys: NoteKey[];
}

export interface SealedNoteV2 {
  v: 2;
  nonce: string;
  ciphertext: string;
  keys: NoteKey[];
  /** Ed25519 by the author over sealedNoteMessage(…), base64url. */
  signature: string;
}

export type SealedNote = SealedNoteV1 | SealedNoteV2;
export interface NoteKey {
  userId: string;
  wrappedKey: string;
}

export type NoteContext = Record<string, string>;

export const SEALED_NOTE_V2_LABEL = 'haven/note/v2';
export const SEALED_NOTE_V2_SIGNATURE_LABEL = 'haven/note/v2/signature';

/** What an opened note says, and whether its author signed it (v2) or it predates signatures (v1). */
export interface OpenedNote {
  text: string;
  signed: boolean;
}

function additionalData(v: 1 | 2, context: NoteContext): Uint8Array {
  return concatBytes(utf8(`haven/note/v${v}\u0000`), utf8(canonicalJson(context)));
}

/**
 * The bytes the author signs: "haven/note/v2/signature" ‖ 0x00 ‖ JCS({ v, authorId, context,
 * nonce, ciphertext, keys }). Picked field by field, so nothing else on the object changes them.
 */
export function sealedNoteMessage(note: Omit<SealedNoteV2, 'signature'>, context: NoteContext, authorId: string): Uint8Array {
  const body = {
    v: 2,
    authorId,
    context,
    nonce: note.nonce,
    ciphertext: note.ciphertext,
    keys: note.keys.map((k) => ({ userId: k.userId, wrappedKey: k.wrappedKey })),
  };
  return concatBytes(utf8(`${SEALED_NOTE_V2_SIGNATURE_LABEL}\u0000`), utf8(canonicalJson(body)));
}

/** The author's signature over a note's encrypted parts, base64url. */
export function signSealedNote(note: Omit<SealedNoteV2, 'signature'>, context: NoteContext, author: { userId: string; signPrivateKey: Uint8Array }): string {
  const s = sodium();
  if (author.signPrivateKey.length !== s.crypto_sign_SECRETKEYBYTES) throw new MalformedInputError('the author’s signing key has the wrong length');
  return toBase64Url(s.crypto_sign_detached(sealedNoteMessage(note, context, author.userId), author.signPrivateKey));
}

/** Seals `text` to the readers and signs it as `author` (sealed note v2). */
export function sealNote(
  text: string,
  context: NoteContext,
  readers: { userId: string; boxPublicKey: Uint8Array }[],
  author: { userId: string; signPrivateKey: Uint8Array },
): SealedNoteV2 {
  const s = sodium();
  if (readers.length === 0) throw new MalformedInputError('a note needs at least one reader');
  if (!text.isWellFormed()) throw new MalformedInputError('the note contains a lone surrogate');
  const key = s.crypto_aead_xchacha20poly1305_ietf_keygen();
  const nonce = s.randombytes_buf(s.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  const ciphertext = s.crypto_aead_xchacha20poly1305_ietf_encrypt(utf8(text), additionalData(2, context), null, nonce, key);
  const keys = readers.map((r) => ({ userId: r.userId, wrappedKey: toBase64Url(s.crypto_box_seal(key, r.boxPublicKey)) }));
  s.memzero(key);
  const unsigned = { v: 2 as const, nonce: toBase64Url(nonce), ciphertext: toBase64Url(ciphertext), keys };
  return { ...unsigned, signature: signSealedNote(unsigned, context, author) };
}

/**
 * Opens a note addressed to `reader`. A v2 note must carry `author`'s signature (the caller gives
 * the key it has checked for the person the note is said to be from): otherwise SignatureError,
 * before anything is decrypted. A v1 note opens with `signed: false`. DecryptError when it is not
 * for this reader or was altered; MalformedInputError when it is not a note at all.
 */
export function openNote(
  note: unknown,
  context: NoteContext,
  reader: { userId: string; boxPublicKey: Uint8Array; boxPrivateKey: Uint8Array },
  author: { userId: string; signPublicKey: Uint8Array },
): OpenedNote {
  const s = sodium();
  const checked = noteShape(note);
  if (checked.v === 2) {
    const signature = fromBase64Url(checked.signature, 'signature');
    if (signature.length !== s.crypto_sign_BYTES || author.signPublicKey.length !== s.crypto_sign_PUBLICKEYBYTES) throw new SignatureError();
    if (!s.crypto_sign_verify_detached(signature, sealedNoteMessage(checked, context, author.userId), author.signPublicKey)) throw new SignatureError();
  }
  const entry = checked.keys.find((k) => k.userId === reader.userId);
  if (!entry) throw new DecryptError('This note was not addressed to you.');
  let key: Uint8Array;
  try {
    key = s.crypto_box_seal_open(fromBase64Url(entry.wrappedKey, 'wrapped key'), reader.boxPublicKey, reader.boxPrivateKey);
  } catch (error) {
    if (error instanceof MalformedInputError) throw error;
    throw new DecryptError();
  }
  try {
    const plain = s.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      fromBase64Url(checked.ciphertext, 'ciphertext'),
      additionalData(checked.v, context),
      fromBase64Url(checked.nonce, 'nonce'),
      key,
    );
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(plain), signed: checked.v === 2 };
  } catch (error) {
    if (error instanceof MalformedInputError) throw error;
    throw new DecryptError();
  } finally {
    s.memzero(key);
  }
}

/** A fresh copy of a v1 or v2 note, each field read once; MalformedInputError otherwise. */
function noteShape(value: unknown): SealedNote {
  if (!isPlainObject(value)) throw new MalformedInputError('a sealed note must be an object');
  const v = value.v;
  if (v !== 1 && v !== 2) throw new MalformedInputError('unknown sealed note version');
  const str = (field: string): string => {
    const got = value[field];
    if (typeof got !== 'string') throw new MalformedInputError(`the note's ${field} must be a string`);
    return got;
  };
  const rawKeys = value.keys;
  if (!Array.isArray(rawKeys)) throw new MalformedInputError("the note's keys must be a list");
  const keys = (rawKeys as unknown[]).map((k): NoteKey => {
    if (!isPlainObject(k) || typeof k.userId !== 'string' || typeof k.wrappedKey !== 'string')
      throw new MalformedInputError('a note key must be { userId, wrappedKey }');
    return { userId: k.userId, wrappedKey: k.wrappedKey };
  });
  const base = { nonce: str('nonce'), ciphertext: str('ciphertext'), keys };
  return v === 1 ? { v: 1, ...base } : { v: 2, ...base, signature: str('signature') };
}
