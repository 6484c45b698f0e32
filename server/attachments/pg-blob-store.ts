import { and, asc, eq, gte } from 'drizzle-orm';
import type { Database } from '../db';
import { attachmentChunks } from '../db/schema';
import { copyIn, copyOut } from '../db/copy';
import { inUuids, isUuid } from '../db/uuid-array';
import type { BlobStore } from './blob-store';
import { COPY_CHUNK_IN, ChunkCopyParser, chunkRowFraming } from './chunk-copy-format';

/** Encrypted chunks as rows of attachment_chunks, one row per stored request body. */
export function pgBlobStore(): BlobStore {
  return {
    kind: 'pg',
    transactional: true,
    async write(tx, id, offset, bytes) {
      // COPY under PostgreSQL: the bytes go to the connection as they are (chunk-copy-format.ts).
      const { before, after } = chunkRowFraming(id, offset, bytes.length);
      if (await copyIn(tx, COPY_CHUNK_IN, [before, bytes, after])) return;
      await tx.insert(attachmentChunks).values({ attachmentId: id, offset, length: bytes.length, data: bytes });
    },
    read(db, id, size) {
      return readBlob(db, id, size);
    },
    async remove(tx, ids) {
      if (ids.length) await tx.delete(attachmentChunks).where(inUuids(attachmentChunks.attachmentId, ids));
    },
  };
}

/**
 * The whole blob as one binary COPY (PostgreSQL), its bytes handed on as they arrive: no hex to
 * decode (see chunk-copy-format.ts) and one statement instead of one per stored piece. Row by row
 * under PGlite, or when enough downloads already stream by COPY (server/db/copy.ts). The id is
 * spliced into the statement (COPY takes no parameters), so it must be a uuid.
 */
async function* readBlob(db: Database, id: string, size: number): AsyncIterable<Uint8Array> {
  // COPY takes no parameters: the id is spliced into the statement, so it must be exactly a uuid.
  if (!isUuid(id)) throw new Error('an attachment id must be a uuid');
  const stream = copyOut(db, `copy (select "offset", data from attachment_chunks where attachment_id = '${id}' order by "offset") to stdout (format binary)`);
  if (stream) yield* parseChunks(stream, size);
  else yield* readRows(db, id, size);
}

async function* parseChunks(stream: AsyncIterable<Buffer>, size: number): AsyncIterable<Uint8Array> {
  const parser = new ChunkCopyParser();
  for await (const piece of stream) {
    const data = parser.push(piece);
    if (parser.bytes > size) throw new Error('more bytes are stored than the upload declared');
    yield* data;
  }
  parser.finish();
  if (parser.bytes !== size) throw new Error('an attachment chunk is missing');
}

/** One row per query, in offset order: never more than one stored chunk in memory. */
async function* readRows(db: Database, id: string, size: number): AsyncIterable<Uint8Array> {
  let offset = 0;
  while (offset < size) {
    const [row] = await db
      .select({ offset: attachmentChunks.offset, data: attachmentChunks.data })
      .from(attachmentChunks)
      .where(and(eq(attachmentChunks.attachmentId, id), gte(attachmentChunks.offset, offset)))
      .orderBy(asc(attachmentChunks.offset))
      .limit(1);
    if (row?.offset !== offset) throw new Error('an attachment chunk is missing');
    const data = new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength);
    yield data;
    offset += data.length;
  }
}
