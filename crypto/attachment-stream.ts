import { sodium } from './sodium';
import { concatBytes, toHex, utf8 } from './bytes';
import { DecryptError, MalformedInputError } from './errors';

/**
 * Encrypted documents (attachments), format "haven/attachment/v1" (docs/attachments.md).
 * A fresh 256-bit key per file; libsodium crypto_secretstream_xchacha20poly1305 over fixed
 * 64 KiB plaintext chunks. The stream binds order (a dropped, repeated or reordered chunk fails);
 * each chunk's additional data also names the file id and the chunk index, so chunks cannot be
 * moved between two files even if someone reused a key; the last chunk carries TAG_FINAL, so a
 * truncated file fails. The ciphertext is padded with zeros to a Padmé bucket so the server learns
 * only the bucket, not the exact size. Pure: no I/O, callers feed bytes in and take bytes out.
 */
export const ATTACHMENT_CHUNK_BYTES = 64 * 1024;
export const ATTACHMENT_HEADER_BYTES = 24;
export const ATTACHMENT_CHUNK_OVERHEAD = 17;
export const ATTACHMENT_KEY_BYTES = 32;
const LABEL = 'haven/attachment/v1';

/** Additional data of chunk `index` of file `fileId`: label ‖ 0x00 ‖ fileId ‖ 0x00 ‖ u32be(index). */
export function attachmentChunkAd(fileId: string, index: number): Uint8Array {
  const counter = new Uint8Array(4);
  new DataView(counter.buffer).setUint32(0, index, false);
  return concatBytes(utf8(`${LABEL}\u0000${fileId}\u0000`), counter);
}

/** Number of chunks for a plaintext of `size` bytes (an empty file is one empty FINAL chunk). */
export function attachmentChunkCount(size: number): number {
  return Math.max(1, Math.ceil(size / ATTACHMENT_CHUNK_BYTES));
}

/** Exact ciphertext length (header and chunks, before padding) of a plaintext of `size` bytes. */
export function attachmentCiphertextBytes(size: number): number {
  checkSize(size);
  return ATTACHMENT_HEADER_BYTES + size + attachmentChunkCount(size) * ATTACHMENT_CHUNK_OVERHEAD;
}

/**
 * Padmé (Nikitin et al., PURBs, 2019): rounds `length` up so that only O(log log length) bits of
 * it remain, at most about 12 % overhead. What the server stores and sees is this bucket.
 */
export function padmeBucket(length: number): number {
  if (!Number.isSafeInteger(length) || length < 0) throw new MalformedInputError('length must be a non-negative integer');
  if (length < 2) return length;
  const e = Math.floor(Math.log2(length));
  const s = Math.floor(Math.log2(e)) + 1;
  const lastBits = e - s;
  const step = 2 ** lastBits;
  return Math.ceil(length / step) * step;
}

/** Stored (padded) size of the encrypted form of a plaintext of `size` bytes. */
export function attachmentPaddedBytes(size: number): number {
  return padmeBucket(attachmentCiphertextBytes(size));
}

function checkSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new MalformedInputError('file size must be a non-negative integer');
}

function checkKey(key: Uint8Array): void {
  if (key.length !== ATTACHMENT_KEY_BYTES) throw new MalformedInputError('attachment key must be 32 bytes');
}

function checkFileId(fileId: string): void {
  if (fileId.length === 0 || fileId.length > 200) throw new MalformedInputError('file id must be 1 to 200 characters');
}

/** A fresh random file key. */
export function newAttachmentKey(): Uint8Array {
  return sodium().crypto_secretstream_xchacha20poly1305_keygen();
}

/**
 * Incremental encryptor: `header` first, then `chunk(plaintext, last)` for each 64 KiB chunk in
 * order (every chunk but the last exactly 64 KiB), then `padding()`. Also hashes the plaintext
 * (BLAKE2b-256) for the envelope.
 *
 * `header`, when given, is the header of an earlier encryption under the same key and file id:
 * the encryptor then makes exactly that encryption's ciphertext again, byte for byte. It is for
 * re-creating what was already made from the same plaintext (resuming an upload after the page
 * was closed: the stored bytes are skipped, the rest sent once) and for known-answer vectors.
 * Never give it a header to encrypt different plaintext: key and header together fix the
 * keystream. Without it the header is fresh randomness, as libsodium makes it.
 */
export class AttachmentEncryptor {
  readonly header: Uint8Array;
  private readonly state: unknown;
  private readonly hash: unknown;
  private index = 0;
  private written: number;
  private done = false;

  constructor(
    key: Uint8Array,
    private readonly fileId: string,
    header?: Uint8Array,
  ) {
    checkKey(key);
    checkFileId(fileId);
    const s = sodium();
    if (header === undefined) {
      const init = s.crypto_secretstream_xchacha20poly1305_init_push(key);
      this.state = init.state;
      this.header = init.header;
    } else {
      if (header.length !== ATTACHMENT_HEADER_BYTES) throw new MalformedInputError('an attachment header must be 24 bytes');
      // libsodium's init_push draws the header at random and derives the state from it; init_pull
      // derives the very same state (subkey by HChaCha20 of key and header, counter 1, the header's
      // last 8 bytes as nonce), which push then uses as if init_push had drawn this header.
      this.state = s.crypto_secretstream_xchacha20poly1305_init_pull(header, key);
      this.header = header.slice();
    }
    this.written = this.header.length;
    this.hash = s.crypto_generichash_init(null, 32);
  }

  chunk(plaintext: Uint8Array, last: boolean): Uint8Array {
    if (this.done) throw new MalformedInputError('the file is already finished');
    if (plaintext.length > ATTACHMENT_CHUNK_BYTES || (!last && plaintext.length !== ATTACHMENT_CHUNK_BYTES)) {
      throw new MalformedInputError('every chunk but the last must be exactly 64 KiB, and none longer');
    }
    const s = sodium();
    const tag = last ? s.crypto_secretstream_xchacha20poly1305_TAG_FINAL : s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    // libsodium's typings name the state an opaque type; it is what init_push returned.
    const state = this.state as Parameters<typeof s.crypto_secretstream_xchacha20poly1305_push>[0];
    const out = s.crypto_secretstream_xchacha20poly1305_push(state, plaintext, attachmentChunkAd(this.fileId, this.index), tag);
    s.crypto_generichash_update(this.hash as Parameters<typeof s.crypto_generichash_update>[0], plaintext);
    this.index += 1;
    this.written += out.length;
    if (last) this.done = true;
    return out;
  }

  /** Zero bytes up to the Padmé bucket; call after the last chunk. */
  padding(): Uint8Array {
    if (!this.done) throw new MalformedInputError('pad only after the last chunk');
    return new Uint8Array(padmeBucket(this.written) - this.written);
  }

  /** BLAKE2b-256 of the plaintext, hex; call after the last chunk. */
  plaintextHash(): string {
    if (!this.done) throw new MalformedInputError('hash only after the last chunk');
    const s = sodium();
    return toHex(s.crypto_generichash_final(this.hash as Parameters<typeof s.crypto_generichash_final>[0], 32));
  }
}

/** The whole encrypted, padded file at once (tests, small files, vectors). Returns bytes and plaintext hash; `header` as for `AttachmentEncryptor`. */
export function encryptAttachment(plaintext: Uint8Array, key: Uint8Array, fileId: string, header?: Uint8Array): { bytes: Uint8Array; hash: string } {
  const enc = new AttachmentEncryptor(key, fileId, header);
  const parts: Uint8Array[] = [enc.header];
  const count = attachmentChunkCount(plaintext.length);
  for (let i = 0; i < count; i++) {
    parts.push(enc.chunk(plaintext.subarray(i * ATTACHMENT_CHUNK_BYTES, (i + 1) * ATTACHMENT_CHUNK_BYTES), i === count - 1));
  }
  parts.push(enc.padding());
  return { bytes: concatBytes(...parts), hash: enc.plaintextHash() };
}

/** What the signed envelope says about the file; the decryptor holds the bytes to it. */
export interface AttachmentExpectation {
  key: Uint8Array;
  fileId: string;
  size: number;
  /** BLAKE2b-256 of the plaintext, hex. */
  hash: string;
}

/**
 * Streaming decryptor: `push(bytes)` with the stored bytes in any slicing, returns the plaintext
 * chunks completed so far; `finish()` fails unless the FINAL chunk came exactly where the declared
 * size puts it, the padding is zeros of the right length, and the plaintext hash matches. Memory is
 * bounded by one chunk. Plaintext handed out before `finish()` is not yet proven whole: a caller
 * must discard it if `finish()` throws.
 */
export class AttachmentDecryptor {
  private state: unknown = null;
  private readonly hash: unknown;
  /** The header or a chunk that arrived split across pushes, gathered here (made at the first split, then reused). */
  private partial: Uint8Array | null = null;
  private partialLength = 0;
  private index = 0;
  private finalSeen = false;
  private paddingLeft: number;
  private readonly chunkCount: number;

  constructor(private readonly expected: AttachmentExpectation) {
    checkKey(expected.key);
    checkFileId(expected.fileId);
    checkSize(expected.size);
    this.chunkCount = attachmentChunkCount(expected.size);
    const cipherBytes = attachmentCiphertextBytes(expected.size);
    this.paddingLeft = padmeBucket(cipherBytes) - cipherBytes;
    this.hash = sodium().crypto_generichash_init(null, 32);
  }

  push(bytes: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let at = 0;
    // A chunk lying whole within `bytes` is opened where it lies; only one split across two pushes
    // is copied, once, into `partial`. Nothing of `bytes` is kept after this returns.
    while (at < bytes.length && !this.finalSeen) {
      const want = this.state === null ? ATTACHMENT_HEADER_BYTES : this.nextChunkCipherBytes();
      let piece: Uint8Array;
      if (this.partialLength === 0 && bytes.length - at >= want) {
        piece = bytes.subarray(at, at + want);
        at += want;
      } else {
        this.partial ??= new Uint8Array(ATTACHMENT_CHUNK_BYTES + ATTACHMENT_CHUNK_OVERHEAD);
        const take = Math.min(want - this.partialLength, bytes.length - at);
        this.partial.set(bytes.subarray(at, at + take), this.partialLength);
        this.partialLength += take;
        at += take;
        if (this.partialLength < want) break;
        piece = this.partial.subarray(0, want);
        this.partialLength = 0;
      }
      if (this.state === null) this.start(piece);
      else out.push(this.openChunk(piece));
    }
    if (this.finalSeen) this.consumePadding(bytes.subarray(at));
    return out;
  }

  finish(): void {
    if (!this.finalSeen) throw new DecryptError('the file is truncated');
    if (this.paddingLeft !== 0) throw new DecryptError('the file’s padding is the wrong length');
    const s = sodium();
    const hash = toHex(s.crypto_generichash_final(this.hash as Parameters<typeof s.crypto_generichash_final>[0], 32));
    if (hash !== this.expected.hash) throw new DecryptError('the file does not match its signed hash');
  }

  private start(header: Uint8Array): void {
    try {
      this.state = sodium().crypto_secretstream_xchacha20poly1305_init_pull(header, this.expected.key);
    } catch {
      throw new DecryptError('the file header is not valid');
    }
  }

  private nextChunkCipherBytes(): number {
    const isLast = this.index === this.chunkCount - 1;
    const plain = isLast ? this.expected.size - this.index * ATTACHMENT_CHUNK_BYTES : ATTACHMENT_CHUNK_BYTES;
    return plain + ATTACHMENT_CHUNK_OVERHEAD;
  }

  private openChunk(cipher: Uint8Array): Uint8Array {
    const s = sodium();
    const state = this.state as Parameters<typeof s.crypto_secretstream_xchacha20poly1305_pull>[0];
    let result: false | { message: Uint8Array; tag: number };
    try {
      result = s.crypto_secretstream_xchacha20poly1305_pull(state, cipher, attachmentChunkAd(this.expected.fileId, this.index));
    } catch {
      throw new DecryptError(`chunk ${this.index} does not decrypt`);
    }
    // libsodium returns false (not a throw) for a forged chunk.
    if (!result) throw new DecryptError(`chunk ${this.index} does not decrypt`);
    const isLast = this.index === this.chunkCount - 1;
    const isFinal = result.tag === s.crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    if (isFinal !== isLast) throw new DecryptError(isFinal ? 'the file ends early' : 'the file is truncated');
    s.crypto_generichash_update(this.hash as Parameters<typeof s.crypto_generichash_update>[0], result.message);
    this.index += 1;
    this.finalSeen = isFinal;
    return result.message;
  }

  private consumePadding(rest: Uint8Array): void {
    if (rest.length > this.paddingLeft) throw new DecryptError('the file’s padding is the wrong length');
    for (const byte of rest) if (byte !== 0) throw new DecryptError('the file’s padding is not zeros');
    this.paddingLeft -= rest.length;
  }
}

/** The whole file at once: decrypts and checks `bytes` against the envelope's expectation. */
export function decryptAttachment(bytes: Uint8Array, expected: AttachmentExpectation): Uint8Array {
  const dec = new AttachmentDecryptor(expected);
  const parts = dec.push(bytes);
  dec.finish();
  return concatBytes(...parts);
}
