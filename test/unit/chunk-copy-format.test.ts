import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChunkCopyError, ChunkCopyParser, chunkRowFraming } from '../../server/attachments/chunk-copy-format';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** PostgreSQL's binary COPY output for rows of (offset int8, data bytea), built by hand. */
function copyOutput(rows: { offset: number; data: Buffer }[], options: { extension?: Buffer; trailer?: boolean } = {}): Buffer {
  const extension = options.extension ?? Buffer.alloc(0);
  const header = Buffer.alloc(SIGNATURE.length + 8);
  SIGNATURE.copy(header);
  header.writeUInt32BE(0, SIGNATURE.length);
  header.writeUInt32BE(extension.length, SIGNATURE.length + 4);
  const parts = [header, extension];
  for (const row of rows) {
    const framing = Buffer.alloc(18);
    framing.writeInt16BE(2, 0);
    framing.writeInt32BE(8, 2);
    framing.writeBigInt64BE(BigInt(row.offset), 6);
    framing.writeInt32BE(row.data.length, 14);
    parts.push(framing, row.data);
  }
  if (options.trailer !== false) parts.push(Buffer.from([0xff, 0xff]));
  return Buffer.concat(parts);
}

/** Feeds `bytes` to a fresh parser in pieces cut at `cuts`; returns the data handed on. */
function parseInPieces(bytes: Buffer, cuts: number[]): { data: Buffer; parser: ChunkCopyParser } {
  const parser = new ChunkCopyParser();
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    // A fresh copy per piece, overwritten after use: the parser must not keep views of a caller's buffer.
    const piece = Buffer.from(bytes.subarray(from, cut));
    for (const data of parser.push(piece)) out.push(Buffer.from(data));
    piece.fill(0xee);
    from = cut;
  }
  return { data: Buffer.concat(out), parser };
}

const rows = [
  { offset: 0, data: randomBytes(1000) },
  { offset: 1000, data: randomBytes(1) },
  { offset: 1001, data: randomBytes(70_000) },
];
const expected = Buffer.concat(rows.map((r) => r.data));

describe('reading attachment chunks from binary COPY', () => {
  it('hands on the stored bytes in order, whole', () => {
    const { data, parser } = parseInPieces(copyOutput(rows), []);
    expect(data.equals(expected)).toBe(true);
    expect(parser.bytes).toBe(expected.length);
    expect(() => parser.finish()).not.toThrow();
  });

  it('gives the same bytes however the stream is sliced: one byte at a time, and cut at every framing boundary', () => {
    const stream = copyOutput(rows);
    const oneByOne = parseInPieces(
      stream,
      Array.from({ length: stream.length - 1 }, (_, i) => i + 1),
    );
    expect(oneByOne.data.equals(expected)).toBe(true);
    expect(() => oneByOne.parser.finish()).not.toThrow();
    // Every cut inside the header and the first row's framing, alone.
    for (let cut = 1; cut < 19 + 18 + 2; cut++) {
      const { data, parser } = parseInPieces(stream, [cut]);
      expect(data.equals(expected), `cut at ${cut}`).toBe(true);
      expect(() => parser.finish()).not.toThrow();
    }
  });

  it('gives the same bytes for random slicings', () => {
    const stream = copyOutput(rows);
    for (let trial = 0; trial < 200; trial++) {
      const cuts = [...new Set(Array.from({ length: 1 + (trial % 12) }, () => 1 + Math.floor(Math.random() * (stream.length - 1))))].sort((a, b) => a - b);
      const { data, parser } = parseInPieces(stream, cuts);
      expect(data.equals(expected), `cuts ${cuts.join(',')}`).toBe(true);
      expect(() => parser.finish()).not.toThrow();
    }
  });

  it('skips a header extension', () => {
    const { data, parser } = parseInPieces(copyOutput(rows, { extension: Buffer.from('future') }), [3, 22, 25]);
    expect(data.equals(expected)).toBe(true);
    expect(() => parser.finish()).not.toThrow();
  });

  it('accepts an empty result (no rows) and hands on nothing', () => {
    const { data, parser } = parseInPieces(copyOutput([]), []);
    expect(data.length).toBe(0);
    expect(() => parser.finish()).not.toThrow();
  });

  it('refuses a stored row that does not start where the previous one ended (a deleted or planted chunk)', () => {
    const gap = [rows[0]!, { offset: 1001, data: rows[2]!.data }];
    expect(() => parseInPieces(copyOutput(gap), [])).toThrow(/missing/);
    const overlap = [rows[0]!, { offset: 999, data: rows[1]!.data }];
    expect(() => parseInPieces(copyOutput(overlap), [])).toThrow(ChunkCopyError);
    const notFromZero = [{ offset: 5, data: rows[0]!.data }];
    expect(() => parseInPieces(copyOutput(notFromZero), [])).toThrow(ChunkCopyError);
  });

  it('refuses a stream cut short, at any point, when finished', () => {
    const stream = copyOutput(rows);
    for (const end of [0, 5, 19, 20, 30, 37, 500, 1037, stream.length - 1]) {
      const parser = new ChunkCopyParser();
      parser.push(stream.subarray(0, end));
      expect(() => parser.finish(), `cut at ${end}`).toThrow(/ended early/);
    }
  });

  it('refuses bytes after the trailer, something that is not binary COPY, and rows of another shape', () => {
    expect(() => parseInPieces(Buffer.concat([copyOutput(rows), Buffer.from([0])]), [])).toThrow(/after the end/);
    expect(() => parseInPieces(Buffer.from('offset\tdata\n0\t\\x00\n'.padEnd(40, ' ')), [])).toThrow(/not binary COPY/);
    const threeFields = copyOutput(rows);
    threeFields.writeInt16BE(3, 19);
    expect(() => parseInPieces(threeFields, [])).toThrow(/not \(offset, data\)/);
    const nullData = copyOutput(rows);
    nullData.writeInt32BE(-1, 19 + 14);
    expect(() => parseInPieces(nullData, [])).toThrow(/not \(offset, data\)/);
  });
});

describe('framing one chunk row for COPY FROM STDIN', () => {
  it('writes the header, the four fields up to the data, and the trailer, as PostgreSQL reads them', () => {
    const id = '0f0e0d0c-0b0a-4908-8706-050403020100';
    const { before, after } = chunkRowFraming(id, 5 * 2 ** 32 + 7, 3_000_000);
    expect(before.subarray(0, 11).equals(SIGNATURE)).toBe(true);
    expect(before.readUInt32BE(11)).toBe(0);
    expect(before.readUInt32BE(15)).toBe(0);
    expect(before.readInt16BE(19)).toBe(4);
    expect(before.readInt32BE(21)).toBe(16);
    expect(before.subarray(25, 41).toString('hex')).toBe(id.replace(/-/g, ''));
    expect(before.readInt32BE(41)).toBe(8);
    expect(before.readBigInt64BE(45)).toBe(5n * 2n ** 32n + 7n);
    expect(before.readInt32BE(53)).toBe(4);
    expect(before.readInt32BE(57)).toBe(3_000_000);
    expect(before.readInt32BE(61)).toBe(3_000_000);
    expect(before.length).toBe(65);
    expect(after.equals(Buffer.from([0xff, 0xff]))).toBe(true);
  });

  it('refuses what would not make a valid row: an id that is not a uuid (it is spliced into nothing, but checked alike), a negative or fractional offset, an empty or oversized chunk', () => {
    const id = '0f0e0d0c-0b0a-4908-8706-050403020100';
    for (const bad of ["0f0e0d0c-0b0a-4908-8706-05040302010'", 'not-a-uuid', `${id}0`, '']) {
      expect(() => chunkRowFraming(bad, 0, 1), bad).toThrow(ChunkCopyError);
    }
    for (const [offset, length] of [
      [-1, 1],
      [0.5, 1],
      [0, 0],
      [0, -5],
      [0, 2 ** 31],
      [Number.MAX_SAFE_INTEGER + 1, 1],
    ] as const) {
      expect(() => chunkRowFraming(id, offset, length), `${offset}/${length}`).toThrow(ChunkCopyError);
    }
  });
});
