import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { concatBytes, utf8 } from '../../crypto/bytes';
import {
  ATTACHMENT_CHUNK_BYTES,
  ATTACHMENT_CHUNK_OVERHEAD,
  ATTACHMENT_HEADER_BYTES,
  AttachmentDecryptor,
  AttachmentEncryptor,
  DecryptError,
  MalformedInputError,
  attachmentCiphertextBytes,
  attachmentDescriptor,
  attachmentExpectation,
  decodeBody,
  encodeBodyWithAttachments,
  attachmentPaddedBytes,
  decryptAttachment,
  encryptAttachment,
  fromHex,
  newAttachmentKey,
  padmeBucket,
  ready,
  toHex,
} from '../../crypto';
import { attachmentVectorsJson } from '../../scripts/attachment-vectors';

beforeAll(ready);

const CHUNK_CIPHER = ATTACHMENT_CHUNK_BYTES + ATTACHMENT_CHUNK_OVERHEAD;
const threeChunks = (): Uint8Array => Uint8Array.from({ length: 2 * ATTACHMENT_CHUNK_BYTES + 100 }, (_, i) => (i * 7) % 256);

function sealed(plaintext: Uint8Array, fileId = 'file-a') {
  const key = newAttachmentKey();
  const { bytes, hash } = encryptAttachment(plaintext, key, fileId);
  return { bytes, expected: { key, fileId, size: plaintext.length, hash } };
}

/** Header, the chunks, and the padding of an encrypted file, split apart. */
function parts(bytes: Uint8Array, size: number) {
  const header = bytes.subarray(0, ATTACHMENT_HEADER_BYTES);
  const chunks: Uint8Array[] = [];
  let at = ATTACHMENT_HEADER_BYTES;
  const end = attachmentCiphertextBytes(size);
  while (at < end) {
    const len = Math.min(CHUNK_CIPHER, end - at);
    chunks.push(bytes.subarray(at, at + len));
    at += len;
  }
  return { header, chunks, padding: bytes.subarray(end) };
}

describe('attachment stream round trip', () => {
  it.each([0, 1, ATTACHMENT_CHUNK_BYTES - 1, ATTACHMENT_CHUNK_BYTES, ATTACHMENT_CHUNK_BYTES + 1, 2 * ATTACHMENT_CHUNK_BYTES + 100])('%i bytes', (size) => {
    const plaintext = Uint8Array.from({ length: size }, (_, i) => i % 256);
    const { bytes, expected } = sealed(plaintext);
    expect(bytes.length).toBe(attachmentPaddedBytes(size));
    expect(toHex(decryptAttachment(bytes, expected))).toBe(toHex(plaintext));
  });

  it('decrypts the same bytes whatever slicing the network delivers them in, one chunk of memory at a time', () => {
    const plaintext = threeChunks();
    const { bytes, expected } = sealed(plaintext);
    for (const step of [1000, 7, CHUNK_CIPHER, bytes.length]) {
      const dec = new AttachmentDecryptor(expected);
      const out: Uint8Array[] = [];
      // Byte-at-a-time slicing of 130 KiB is slow; step 7 runs over the header and first chunk only, then the rest at once.
      const limit = step === 7 ? 200 : bytes.length;
      for (let at = 0; at < limit; at += step) out.push(...dec.push(bytes.subarray(at, Math.min(at + step, limit))));
      if (limit < bytes.length) out.push(...dec.push(bytes.subarray(limit)));
      dec.finish();
      expect(toHex(concatBytes(...out))).toBe(toHex(plaintext));
    }
  });

  it('decrypts the same bytes cut anywhere into any number of pieces, and refuses them with any byte changed, wherever the cuts fall', () => {
    const plaintext = threeChunks();
    const { bytes, expected } = sealed(plaintext);
    const cuts = fc
      .uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 })
      .map((points) => [0, ...points.sort((a, b) => a - b), bytes.length]);
    const pushAll = (input: Uint8Array, at: number[]) => {
      const dec = new AttachmentDecryptor(expected);
      const out: Uint8Array[] = [];
      for (let i = 0; i + 1 < at.length; i++) out.push(...dec.push(input.subarray(at[i], at[i + 1])));
      dec.finish();
      return concatBytes(...out);
    };
    fc.assert(
      fc.property(cuts, (at) => {
        expect(toHex(pushAll(bytes, at))).toBe(toHex(plaintext));
      }),
      { numRuns: 60 },
    );
    fc.assert(
      fc.property(cuts, fc.integer({ min: 0, max: bytes.length - 1 }), (at, flip) => {
        const bad = bytes.slice();
        bad[flip]! ^= 0x01;
        expect(() => pushAll(bad, at)).toThrow(DecryptError);
      }),
      { numRuns: 60 },
    );
  });

  it('hands out each chunk as soon as it is complete (streaming, not buffering the file)', () => {
    const { bytes, expected } = sealed(threeChunks());
    const dec = new AttachmentDecryptor(expected);
    expect(dec.push(bytes.subarray(0, ATTACHMENT_HEADER_BYTES + CHUNK_CIPHER))).toHaveLength(1);
  });
});

describe('attachment stream tampering', () => {
  it('fails on any flipped byte in the header, each chunk, its tag, or the padding', () => {
    const plaintext = threeChunks();
    const { bytes, expected } = sealed(plaintext);
    const { chunks } = parts(bytes, plaintext.length);
    const chunkStart = (i: number) => ATTACHMENT_HEADER_BYTES + i * CHUNK_CIPHER;
    const positions = [0, ATTACHMENT_HEADER_BYTES - 1];
    for (let i = 0; i < chunks.length; i++) {
      positions.push(chunkStart(i), chunkStart(i) + 1, chunkStart(i) + 20, chunkStart(i) + chunks[i]!.length - 1);
    }
    positions.push(bytes.length - 1);
    expect(bytes.length).toBeGreaterThan(attachmentCiphertextBytes(plaintext.length)); // there is padding to tamper with
    for (const at of positions) {
      const bad = bytes.slice();
      bad[at]! ^= 0x01;
      expect(() => decryptAttachment(bad, expected), `byte ${at}`).toThrow(DecryptError);
    }
  });

  it('fails on truncation at a chunk boundary, mid-chunk, or without the padding', () => {
    const plaintext = threeChunks();
    const { bytes, expected } = sealed(plaintext);
    const end = attachmentCiphertextBytes(plaintext.length);
    for (const cut of [
      0,
      10,
      ATTACHMENT_HEADER_BYTES,
      ATTACHMENT_HEADER_BYTES + CHUNK_CIPHER,
      ATTACHMENT_HEADER_BYTES + 2 * CHUNK_CIPHER,
      end - 1,
      end,
      bytes.length - 1,
    ]) {
      expect(() => decryptAttachment(bytes.subarray(0, cut), expected), `cut at ${cut}`).toThrow(DecryptError);
    }
  });

  it('fails when a shorter file is claimed: a FINAL chunk does not hide behind a dropped one', () => {
    const plaintext = threeChunks();
    const { bytes, expected } = sealed(plaintext);
    const { header, chunks } = parts(bytes, plaintext.length);
    const dropped = concatBytes(header, chunks[0]!, chunks[2]!);
    expect(() => decryptAttachment(dropped, { ...expected, size: ATTACHMENT_CHUNK_BYTES + 100 })).toThrow(DecryptError);
    expect(() => decryptAttachment(concatBytes(header, chunks[0]!), { ...expected, size: ATTACHMENT_CHUNK_BYTES })).toThrow(DecryptError);
  });

  it('fails on reordered or duplicated chunks', () => {
    const plaintext = threeChunks();
    const { bytes, expected } = sealed(plaintext);
    const { header, chunks, padding } = parts(bytes, plaintext.length);
    const [a, b, c] = chunks as [Uint8Array, Uint8Array, Uint8Array];
    expect(() => decryptAttachment(concatBytes(header, b, a, c, padding), expected)).toThrow(DecryptError);
    expect(() => decryptAttachment(concatBytes(header, a, a, c, padding), expected)).toThrow(DecryptError);
  });

  it('fails on a chunk taken from another file, even under the same key and header', () => {
    const plaintext = threeChunks();
    const key = newAttachmentKey();
    const one = new AttachmentEncryptor(key, 'file-one');
    const first = one.chunk(plaintext.subarray(0, ATTACHMENT_CHUNK_BYTES), false);
    // Same key: the other file's chunk 0 differs only by the file id in the additional data.
    const a = encryptAttachment(plaintext, key, 'file-two');
    const { header, chunks, padding } = parts(a.bytes, plaintext.length);
    const swapped = concatBytes(header, chunks[0]!, chunks[1]!, chunks[2]!, padding);
    expect(() => decryptAttachment(swapped, { key, fileId: 'file-one', size: plaintext.length, hash: a.hash })).toThrow(DecryptError);
    expect(() =>
      decryptAttachment(concatBytes(one.header, first, chunks[1]!, chunks[2]!, padding), { key, fileId: 'file-one', size: plaintext.length, hash: a.hash }),
    ).toThrow(DecryptError);
  });

  it('fails with the wrong key, a wrong declared size, or a wrong signed hash', () => {
    const plaintext = threeChunks();
    const { bytes, expected } = sealed(plaintext);
    expect(() => decryptAttachment(bytes, { ...expected, key: newAttachmentKey() })).toThrow(DecryptError);
    expect(() => decryptAttachment(bytes, { ...expected, size: expected.size + 1 })).toThrow(DecryptError);
    expect(() => decryptAttachment(bytes, { ...expected, hash: '00'.repeat(32) })).toThrow(DecryptError);
  });

  it('rejects malformed inputs with a clear error', () => {
    expect(() => new AttachmentEncryptor(new Uint8Array(31), 'f')).toThrow(MalformedInputError);
    expect(() => new AttachmentEncryptor(newAttachmentKey(), '')).toThrow(MalformedInputError);
    const enc = new AttachmentEncryptor(newAttachmentKey(), 'f');
    expect(() => enc.chunk(new Uint8Array(10), false)).toThrow(MalformedInputError);
    expect(() => enc.chunk(new Uint8Array(ATTACHMENT_CHUNK_BYTES + 1), true)).toThrow(MalformedInputError);
    expect(() => enc.padding()).toThrow(MalformedInputError);
    enc.chunk(new Uint8Array(3), true);
    expect(() => enc.chunk(new Uint8Array(3), true)).toThrow(MalformedInputError);
    expect(() => new AttachmentDecryptor({ key: newAttachmentKey(), fileId: 'f', size: -1, hash: '' })).toThrow(MalformedInputError);
  });
});

describe('padding buckets', () => {
  it('rounds up to Padmé buckets, never down, with at most 12.5 % overhead', () => {
    expect([0, 1, 2, 3, 9, 100].map(padmeBucket)).toEqual([0, 1, 2, 3, 10, 104]);
    for (const n of [17, 1000, 65_577, 1_000_000, 100 * 1024 * 1024 + 12_345]) {
      const b = padmeBucket(n);
      expect(b).toBeGreaterThanOrEqual(n);
      expect(b / n).toBeLessThanOrEqual(1.125);
    }
  });

  it('maps many different sizes to one bucket, so the server learns only the bucket', () => {
    const buckets = new Set(Array.from({ length: 1000 }, (_, i) => attachmentPaddedBytes(10_000_000 + i * 100)));
    expect(buckets.size).toBeLessThan(5);
  });
});

describe('published vectors (test/vectors/attachment-v1.json)', () => {
  const file = JSON.parse(readFileSync(new URL('../vectors/attachment-v1.json', import.meta.url), 'utf8')) as {
    keyHex: string;
    vectors: { name: string; fileId: string; size: number; plaintextHex?: string; blake2b256: string; encryptedHex: string }[];
  };
  it.each(file.vectors.map((v) => [v.name, v] as const))('%s decrypts to its plaintext', (_name, v) => {
    const plaintext = decryptAttachment(fromHex(v.encryptedHex), { key: fromHex(file.keyHex), fileId: v.fileId, size: v.size, hash: v.blake2b256 });
    const expected = v.plaintextHex !== undefined ? v.plaintextHex : toHex(Uint8Array.from({ length: v.size }, (_, i) => i % 251));
    expect(toHex(plaintext)).toBe(expected);
  });

  it.each(file.vectors.map((v) => [v.name, v] as const))('%s encrypts to exactly its bytes with its header', (_name, v) => {
    const plaintext = v.plaintextHex !== undefined ? fromHex(v.plaintextHex) : Uint8Array.from({ length: v.size }, (_, i) => i % 251);
    const { bytes, hash } = encryptAttachment(plaintext, fromHex(file.keyHex), v.fileId, fromHex(v.encryptedHex.slice(0, 2 * ATTACHMENT_HEADER_BYTES)));
    expect(hash).toBe(v.blake2b256);
    expect(toHex(bytes)).toBe(v.encryptedHex);
  });

  it('is what scripts/attachment-vectors.ts makes, byte for byte', () => {
    expect(attachmentVectorsJson()).toBe(readFileSync(new URL('../vectors/attachment-v1.json', import.meta.url), 'utf8'));
  });
});

describe('encrypting again with an earlier header (resuming after the page was closed)', () => {
  it('makes the earlier ciphertext again, byte for byte, so stored bytes can be skipped', () => {
    const key = newAttachmentKey();
    const first = new AttachmentEncryptor(key, 'file-resume');
    const plaintext = threeChunks();
    const original = encryptAttachment(plaintext, key, 'file-resume', first.header);
    const again = encryptAttachment(plaintext, key, 'file-resume', first.header);
    expect(toHex(again.bytes)).toBe(toHex(original.bytes));
    expect(toHex(original.bytes.subarray(0, ATTACHMENT_HEADER_BYTES))).toBe(toHex(first.header));
    expect(
      toHex(
        decryptAttachment(concatBytes(original.bytes.subarray(0, 70_000), again.bytes.subarray(70_000)), {
          key,
          fileId: 'file-resume',
          size: plaintext.length,
          hash: original.hash,
        }),
      ),
    ).toBe(toHex(plaintext));
  });

  it('still binds the file id: the same key and header under another id make other bytes', () => {
    const key = newAttachmentKey();
    const header = new AttachmentEncryptor(key, 'a').header;
    const a = encryptAttachment(utf8('same'), key, 'a', header);
    const b = encryptAttachment(utf8('same'), key, 'b', header);
    expect(toHex(a.bytes.subarray(ATTACHMENT_HEADER_BYTES))).not.toBe(toHex(b.bytes.subarray(ATTACHMENT_HEADER_BYTES)));
  });

  it('refuses a header of the wrong length', () => {
    for (const length of [0, 23, 25]) {
      expect(() => new AttachmentEncryptor(newAttachmentKey(), 'f', new Uint8Array(length))).toThrow(MalformedInputError);
    }
  });
});

describe('attachment descriptors in the signed body', () => {
  const fileId = '6f1c2a9e-0000-4000-8000-00000000000a';
  it('round-trips a text with a file, which then decrypts from the descriptor alone', () => {
    const plaintext = new TextEncoder().encode('%PDF-1.4 tiny');
    const key = newAttachmentKey();
    const { bytes, hash } = encryptAttachment(plaintext, key, fileId);
    const descriptor = attachmentDescriptor({ fileId, key, name: 'plan.pdf', type: 'application/pdf', size: plaintext.length, hash });
    const body = decodeBody(encodeBodyWithAttachments({ text: 'see attached', attachments: [descriptor] }));
    expect(body.text).toBe('see attached');
    expect(toHex(decryptAttachment(bytes, attachmentExpectation(body.attachments[0]!)))).toBe(toHex(plaintext));
  });

  it('leaves older plain bodies as they were, including ones that look like JSON', () => {
    expect(decodeBody('hello')).toEqual({ text: 'hello', attachments: [] });
    expect(decodeBody('{"attachments": "just text"}')).toEqual({ text: '{"attachments": "just text"}', attachments: [] });
    expect(encodeBodyWithAttachments({ text: 'plain', attachments: [] })).toBe('plain');
  });

  it('refuses malformed descriptors with a clear error', () => {
    const good = attachmentDescriptor({ fileId, key: newAttachmentKey(), name: 'a.png', type: 'image/png', size: 1, hash: 'ab'.repeat(32) });
    const bad: Record<string, unknown>[] = [
      { ...good, name: '../etc/passwd' },
      { ...good, name: '' },
      { ...good, type: 'not a type' },
      { ...good, size: -1 },
      { ...good, hash: 'xyz' },
      { ...good, key: 'AAAA' },
      { ...good, fileId: 'nope' },
      { ...good, extra: 1 },
    ];
    for (const d of bad) {
      const body = JSON.stringify({ attachments: [d], 'haven/body': 1, text: '' });
      expect(() => decodeBody(body), JSON.stringify(d)).toThrow(MalformedInputError);
    }
    expect(() => decodeBody(JSON.stringify({ attachments: [], 'haven/body': 2, text: '' }))).toThrow(MalformedInputError);
  });
});
