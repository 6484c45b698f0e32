import { and, asc, eq, gte } from 'drizzle-orm';
import type { Database } from '../db';
import { attachmentChunks } from '../db/schema';
import { inUuids } from '../db/uuid-array';
import type { BlobStore } from './blob-store';

/** Encrypted chunks as rows of attachment_chunks, one row per stored request body. */
export function pgBlobStore(): BlobStore {
  return {
    kind: 'pg',
    transactional: true,
    async write(tx, id, offset, bytes) {
      await tx.insert(attachmentChunks).values({ attachmentId: id, offset, length: bytes.length, data: bytes });
    },
    read(db, id, size) {
      return readRows(db, id, size);
    },
    async remove(tx, ids) {
      if (ids.length) await tx.delete(attachmentChunks).where(inUuids(attachmentChunks.attachmentId, ids));
    },
  };
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
