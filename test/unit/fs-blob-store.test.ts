import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fsBlobStore } from '../../server/attachments/fs-blob-store';
import type { Database } from '../../server/db';

const dir = mkdtempSync(path.join(tmpdir(), 'haven-blobs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// The file store never touches the database; the transaction it is given is only passed along.
const noDb = {} as Database;

async function readAll(iterable: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of iterable) parts.push(Buffer.from(part));
  return Buffer.concat(parts);
}

describe('file blob store (HAVEN_BLOB_DIR)', () => {
  const store = fsBlobStore(dir);
  const id = '0f8c1c7e-5a3b-4c2d-9e1f-123456789abc';

  it('writes at offsets, overwrites what a failed write left past the recorded length, reads back exactly `size` bytes, removes', async () => {
    await store.write(noDb, id, 0, new Uint8Array([1, 2, 3]));
    // A write whose transaction failed left bytes at offset 3; the retry at offset 3 overwrites them.
    await store.write(noDb, id, 3, new Uint8Array([9, 9, 9, 9]));
    await store.write(noDb, id, 3, new Uint8Array([4, 5]));
    expect([...(await readAll(store.read(noDb, id, 5)))]).toEqual([1, 2, 3, 4, 5]);
    expect(statSync(path.join(dir, id.slice(0, 2), id)).mode & 0o777).toBe(0o600);
    await expect(readAll(store.read(noDb, id, 10))).rejects.toThrow(/shorter/);
    await store.remove(noDb, [id]);
    await expect(readAll(store.read(noDb, id, 5))).rejects.toThrow();
  });

  it('refuses an id that is not a UUID (no path outside the folder)', async () => {
    await expect(store.write(noDb, '../../etc/passwd', 0, new Uint8Array([1]))).rejects.toThrow(/not an attachment id/);
  });
});
