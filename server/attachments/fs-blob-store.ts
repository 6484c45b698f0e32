import { createReadStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import type { BlobStore } from './blob-store';

/**
 * Encrypted files under `dir` (HAVEN_BLOB_DIR), one per attachment, in a folder named by the id's
 * first two characters. Ids are UUIDs checked at the boundary, so they never make a path elsewhere.
 * A write is flushed to disk before the transaction recording it commits; bytes past the recorded
 * length (a write whose transaction failed) are overwritten by the next write and never read.
 */
export function fsBlobStore(dir: string): BlobStore {
  const fileOf = (id: string) => {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error('not an attachment id');
    return path.join(dir, id.slice(0, 2), id);
  };
  return {
    kind: 'fs',
    transactional: false,
    async write(_tx, id, offset, bytes) {
      const file = fileOf(id);
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      const handle = await open(file, constants.O_RDWR | constants.O_CREAT, 0o600);
      try {
        await handle.write(bytes, 0, bytes.length, offset);
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    async *read(_db, id, size) {
      if (size === 0) return;
      let read = 0;
      for await (const piece of createReadStream(fileOf(id), { start: 0, end: size - 1, highWaterMark: 256 * 1024 })) {
        read += (piece as Buffer).length;
        yield piece as Buffer;
      }
      if (read !== size) throw new Error('an attachment file is shorter than recorded');
    },
    async remove(_tx, ids) {
      for (const id of ids) await rm(fileOf(id), { force: true });
    },
  };
}
