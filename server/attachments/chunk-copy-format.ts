import { isUuid } from '../db/uuid-array';

/**
 * PostgreSQL's binary COPY format for attachment chunks, both ways. Why COPY: node-postgres
 * decodes every result field as text, so a `bytea` read arrives as hex (2 MB of text for a
 * megabyte; decoding it was a third of the server's work in a download), and it copies a
 * parameter into a fresh message buffer for every statement (and a large INSERT measured slower than
 * COPY, docs/performance.md); COPY's binary form carries the bytes as they are,
 * and pg-copy-streams writes them to the connection without copying.
 *
 * Format (PostgreSQL docs, "COPY — Binary Format"): an 11-byte signature, a 32-bit flags field, a
 * 32-bit header-extension length and the extension; then per row a 16-bit field count (-1 ends the
 * data), and per field a 32-bit length (-1 for null) and the bytes.
 */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const FIXED_HEADER_BYTES = SIGNATURE.length + 8;
const ROW_FRAMING_BYTES = 2 + 4 + 8 + 4;
const TRAILER = -1;

export class ChunkCopyError extends Error {}

type State = 'header' | 'extension' | 'row' | 'data' | 'done';

/** The COPY that stores one chunk row; its data comes from `chunkRowFraming`. */
export const COPY_CHUNK_IN = 'copy attachment_chunks (attachment_id, "offset", length, data) from stdin (format binary)';

/**
 * The bytes around one chunk's data for COPY_CHUNK_IN: `before` is the file header and the row up
 * to the data (attachment_id uuid, offset int8, length int4, the data's length), `after` the
 * trailer. The data itself is written between them as it is, without a copy.
 */
export function chunkRowFraming(id: string, offset: number, length: number): { before: Buffer; after: Buffer } {
  if (!isUuid(id)) throw new ChunkCopyError('an attachment id must be a uuid');
  const uuid = Buffer.from(id.replace(/-/g, ''), 'hex');
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isInteger(length) || length <= 0 || length > 0x7fff_ffff) {
    throw new ChunkCopyError('a chunk needs a whole offset and a positive length');
  }
  const before = Buffer.alloc(FIXED_HEADER_BYTES + 2 + (4 + 16) + (4 + 8) + (4 + 4) + 4);
  let at = SIGNATURE.copy(before, 0);
  at = before.writeUInt32BE(0, at); // flags
  at = before.writeUInt32BE(0, at); // no header extension
  at = before.writeInt16BE(4, at);
  at = before.writeInt32BE(16, at);
  at += uuid.copy(before, at);
  at = before.writeInt32BE(8, at);
  at = before.writeBigInt64BE(BigInt(offset), at);
  at = before.writeInt32BE(4, at);
  at = before.writeInt32BE(length, at);
  before.writeInt32BE(length, at);
  const after = Buffer.alloc(2);
  after.writeInt16BE(TRAILER, 0);
  return { before, after };
}

/**
 * Reads the binary COPY output of `select "offset", data from attachment_chunks … order by
 * "offset"` (18 bytes of framing per row, then the data) and hands on the data bytes as they
 * arrive, checking that each stored row starts where the previous one ended.
 */
export class ChunkCopyParser {
  private state: State = 'header';
  /** Framing bytes collected so far (a header may arrive split over several reads). */
  private pending: Buffer = Buffer.alloc(0);
  private extensionLeft = 0;
  private dataLeft = 0;
  /** Where the next row must start: the bytes handed on so far. */
  private position = 0;

  /** How many data bytes have been handed on. */
  get bytes(): number {
    return this.position;
  }

  /** Feeds the next piece of the COPY stream, in any slicing; returns the data bytes it completes (views, no copies). */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let at = 0;
    while (at < chunk.length) {
      switch (this.state) {
        case 'data': {
          const take = Math.min(this.dataLeft, chunk.length - at);
          out.push(chunk.subarray(at, at + take));
          at += take;
          this.dataLeft -= take;
          this.position += take;
          if (this.dataLeft === 0) this.state = 'row';
          break;
        }
        case 'extension': {
          const skip = Math.min(this.extensionLeft, chunk.length - at);
          at += skip;
          this.extensionLeft -= skip;
          if (this.extensionLeft === 0) this.state = 'row';
          break;
        }
        case 'done':
          throw new ChunkCopyError('bytes after the end of the COPY data');
        case 'header':
        case 'row':
          at = this.collectFraming(chunk, at);
          break;
      }
    }
    return out;
  }

  /** Call when the stream ends: it must have ended exactly at the trailer. */
  finish(): void {
    if (this.state !== 'done') throw new ChunkCopyError('the COPY data ended early');
  }

  private collectFraming(chunk: Buffer, at: number): number {
    const want = this.state === 'header' ? FIXED_HEADER_BYTES : this.pending.length < 2 ? 2 : ROW_FRAMING_BYTES;
    const take = Math.min(want - this.pending.length, chunk.length - at);
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk.subarray(at, at + take)]) : chunk.subarray(at, at + take);
    at += take;
    if (this.pending.length < want) {
      // Keep a copy: the caller may reuse its buffer before the rest arrives.
      this.pending = Buffer.from(this.pending);
      return at;
    }
    if (this.state === 'header') this.readHeader(this.pending);
    else if (want === 2) {
      if (this.pending.readInt16BE(0) === TRAILER) {
        this.state = 'done';
        this.pending = Buffer.alloc(0);
      } else {
        // Keep the count (copied, as above) and wait for the rest of the row's framing.
        this.pending = Buffer.from(this.pending);
      }
      return at;
    } else this.readRow(this.pending);
    this.pending = Buffer.alloc(0);
    return at;
  }

  private readHeader(header: Buffer): void {
    if (!header.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new ChunkCopyError('not binary COPY data');
    this.extensionLeft = header.readUInt32BE(SIGNATURE.length + 4);
    this.state = this.extensionLeft > 0 ? 'extension' : 'row';
  }

  private readRow(framing: Buffer): void {
    const fields = framing.readInt16BE(0);
    const offsetLength = framing.readInt32BE(2);
    const offset = framing.readBigInt64BE(6);
    const dataLength = framing.readInt32BE(14);
    if (fields !== 2 || offsetLength !== 8 || dataLength <= 0) throw new ChunkCopyError('a stored chunk row is not (offset, data)');
    if (offset !== BigInt(this.position)) throw new ChunkCopyError('an attachment chunk is missing');
    this.dataLeft = dataLength;
    this.state = 'data';
  }
}
