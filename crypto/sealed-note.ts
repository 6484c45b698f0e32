import { sodium } from './sodium';
import { canonicalJson } from './canonical-json';
import { concatBytes, fromBase64Url, toBase64Url, utf8 } from './bytes';
import { DecryptError, MalformedInputError } from './errors';

/**
 * Sealed note v1: a short text (e.g. a verbal share's summary) readable only by named users.
 * A random 256-bit key encrypts the text with XChaCha20-Poly1305; the additional data binds it
 * to its context (which share, which child, which sender), so it cannot be moved elsewhere;
 * the key is sealed (crypto_box_seal) to each reader's X25519 key, the writer included.
 * Format: docs/sealed-note.md.
 */
export interface SealedNote {
  v: 1;
  nonce: string;
  ciphertext: string;
  keys: { userId: string; wrappedKey: string }[];
}

export type NoteContext = Record<string, string>;

function additionalData(context: NoteContext): Uint8Array {
  return concatBytes(utf8('haven/note/v1\u0000'), utf8(canonicalJson(context)));
}

export function sealNote(text: string, context: NoteContext, readers: { userId: string; boxPublicKey: Uint8Array }[]): SealedNote {
  const s = sodium();
  if (readers.length === 0) throw new MalformedInputError('a note needs at least one reader');
  const key = s.crypto_aead_xchacha20poly1305_ietf_keygen();
  const nonce = s.randombytes_buf(s.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  const ciphertext = s.crypto_aead_xchacha20poly1305_ietf_encrypt(utf8(text), additionalData(context), null, nonce, key);
  const keys = readers.map((r) => ({ userId: r.userId, wrappedKey: toBase64Url(s.crypto_box_seal(key, r.boxPublicKey)) }));
  s.memzero(key);
  return { v: 1, nonce: toBase64Url(nonce), ciphertext: toBase64Url(ciphertext), keys };
}

/** Opens a note addressed to `userId`; throws DecryptError if it is not for us or was altered. */
export function openNote(note: SealedNote, context: NoteContext, reader: { userId: string; boxPublicKey: Uint8Array; boxPrivateKey: Uint8Array }): string {
  const s = sodium();
  const entry = note.keys.find((k) => k.userId === reader.userId);
  if (!entry) throw new DecryptError('This note was not addressed to you.');
  let key: Uint8Array;
  try {
    key = s.crypto_box_seal_open(fromBase64Url(entry.wrappedKey, 'wrapped key'), reader.boxPublicKey, reader.boxPrivateKey);
  } catch {
    throw new DecryptError();
  }
  try {
    const plain = s.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      fromBase64Url(note.ciphertext, 'ciphertext'),
      additionalData(context),
      fromBase64Url(note.nonce, 'nonce'),
      key,
    );
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch (error) {
    if (error instanceof MalformedInputError) throw error;
    throw new DecryptError();
  } finally {
    s.memzero(key);
  }
}
