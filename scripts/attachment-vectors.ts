// Makes test/vectors/attachment-v1.json (docs/attachments.md, "Test vectors"): `npx tsx scripts/attachment-vectors.ts`.
// Every input is fixed here, the header nonces included (they were drawn at random once, when the
// vectors were first published), so the file comes out the same byte for byte on every run;
// test/unit/attachment-stream.test.ts checks that it does.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encryptAttachment } from '../crypto/attachment-stream';
import { fromHex, toHex, utf8 } from '../crypto/bytes';
import { ready } from '../crypto/sodium';

const KEY_HEX = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';

interface VectorInput {
  name: string;
  fileId: string;
  headerHex: string;
  plaintext: Uint8Array;
  /** Said instead of the plaintext's hex when that would be long. */
  plaintextRule?: string;
}

const INPUTS: VectorInput[] = [
  { name: 'empty', fileId: 'file-empty', headerHex: '6f18350da992d8ac1909bde65ee9d75174d15a7f827ac711', plaintext: new Uint8Array(0) },
  { name: 'short text', fileId: 'file-short', headerHex: '46976b00ebd223a3b3087468a156e72c87d46195e18a4caf', plaintext: utf8('Haven attachment vector 1') },
  {
    name: 'two chunks plus one byte',
    fileId: 'file-multi',
    headerHex: '03c084221cf5a7ec041f3e8712e8c9d8569e69d00dcafdc7',
    plaintext: Uint8Array.from({ length: 131_073 }, (_, i) => i % 251),
    plaintextRule: 'byte i = i mod 251',
  },
];

/** The vectors file's text. Pure once libsodium is ready (`ready`). */
export function attachmentVectorsJson(): string {
  const key = fromHex(KEY_HEX);
  const vectors = INPUTS.map((input) => {
    const { bytes, hash } = encryptAttachment(input.plaintext, key, input.fileId, fromHex(input.headerHex));
    return {
      name: input.name,
      fileId: input.fileId,
      size: input.plaintext.length,
      ...(input.plaintextRule ? { plaintextRule: input.plaintextRule } : { plaintextHex: toHex(input.plaintext) }),
      headerHex: input.headerHex,
      blake2b256: hash,
      encryptedHex: toHex(bytes),
    };
  });
  const file = {
    format: 'haven/attachment/v1',
    keyHex: KEY_HEX,
    note: 'Made by scripts/attachment-vectors.ts from fixed inputs; the header nonce, random in use, is fixed here (headerHex, the first 24 bytes of encryptedHex). An implementation must decrypt each encryptedHex to the plaintext, and encrypting the plaintext with the same key, file id and header must give encryptedHex exactly. See docs/attachments.md.',
    vectors,
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await ready();
  const target = fileURLToPath(new URL('../test/vectors/attachment-v1.json', import.meta.url));
  writeFileSync(target, attachmentVectorsJson());
  process.stdout.write(`wrote ${target}\n`);
}
