import type { Config } from '../config';
import type { Database } from '../db';
import { fsBlobStore } from './fs-blob-store';
import { pgBlobStore } from './pg-blob-store';

export type BlobKind = 'pg' | 'fs';

/**
 * Where an attachment's encrypted bytes live. Haven only ever appends at the length it has recorded
 * (in the same transaction that records the new length), reads a whole blob in order, and deletes
 * blobs; so two small implementations suffice: PostgreSQL rows (the default, covered by backups
 * and retention like everything else) and files under HAVEN_BLOB_DIR (large installations).
 */
export interface BlobStore {
  readonly kind: BlobKind;
  /** Stores `bytes` at `offset` of blob `id`; `tx` is the transaction recording the new length (the pg store writes in it). */
  write(tx: Database, id: string, offset: number, bytes: Uint8Array): Promise<void>;
  /** The blob's first `size` bytes in order, one stored piece at a time (memory stays bounded). */
  read(db: Database, id: string, size: number): AsyncIterable<Uint8Array>;
  /** Deletes blobs. The pg store deletes in `tx`; the fs store removes files, so call it once the deletion is committed. */
  remove(tx: Database, ids: string[]): Promise<void>;
  /** Whether `remove` belongs inside the transaction (pg) or after its commit (fs). */
  readonly transactional: boolean;
}

export interface BlobStores {
  /** Where new uploads go. */
  current: BlobStore;
  /** The store an existing upload was written to. */
  of(kind: string): BlobStore;
}

const cache = new WeakMap<Config, BlobStores>();

/** PostgreSQL unless HAVEN_BLOB_DIR is set; uploads already in the other store stay readable there. */
export function blobStores(config: Config): BlobStores {
  const cached = cache.get(config);
  if (cached) return cached;
  const pg = pgBlobStore();
  const fs = config.HAVEN_BLOB_DIR ? fsBlobStore(config.HAVEN_BLOB_DIR) : null;
  const stores: BlobStores = {
    current: fs ?? pg,
    of(kind) {
      if (kind === 'pg') return pg;
      if (kind === 'fs' && fs) return fs;
      throw new Error(`attachment blob store "${kind}" is not configured (set HAVEN_BLOB_DIR)`);
    },
  };
  cache.set(config, stores);
  return stores;
}
