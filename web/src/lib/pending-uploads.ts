// Uploads this browser started and has not yet seen sent, removed or cancelled, kept in IndexedDB
// (store `pending-uploads`, one record per upload id) so that one cut off by the page closing or by
// a lost connection can be resumed when its conversation or verbal share is opened again
// (docs/attachments.md). A record holds the chosen file and its key, on this device only, as the
// private keys are; it goes when the file is sent, taken off, cancelled or discarded, when the
// person signs out, and after 24 hours.
import { readEntries, withStore } from './idb';
import { isFresh, offeredHere, readKeptUpload, type KeptUpload, type PendingUpload, type UploadTarget } from './pending-upload-rules';

const STORE = 'pending-uploads';

/** Keeps the record; a browser that cannot (storage full, private mode) still uploads, only without resuming after a close. */
export async function keepPendingUpload(upload: PendingUpload): Promise<void> {
  await withStore(STORE, 'readwrite', (store) => store.put(upload, upload.id)).catch(() => undefined);
}

export async function forgetPendingUpload(id: string): Promise<void> {
  await withStore(STORE, 'readwrite', (store) => store.delete(id)).catch(() => undefined);
}

/** Everything kept, for everyone: signing out forgets it all. */
export async function forgetAllPendingUploads(): Promise<void> {
  await withStore(STORE, 'readwrite', (store) => store.clear()).catch(() => undefined);
}

/**
 * The interrupted uploads to offer on this screen, oldest first: whole ones to resume or discard,
 * damaged ones (pending-upload-rules.ts) to discard only. Records that cannot say whose upload they
 * are, or are older than the server keeps unsent uploads, are deleted on the way.
 */
export async function pendingUploadsFor(userId: string, target: UploadTarget, now = Date.now()): Promise<KeptUpload[]> {
  let entries: [IDBValidKey, unknown][];
  try {
    entries = await readEntries(STORE);
  } catch {
    return [];
  }
  const offered: KeptUpload[] = [];
  for (const [key, value] of entries) {
    const kept = readKeptUpload(value, key);
    if (!kept || !isFresh(kept.upload, now)) {
      await withStore(STORE, 'readwrite', (store) => store.delete(key)).catch(() => undefined);
      continue;
    }
    if (offeredHere(kept.upload, { userId, target, now })) offered.push(kept);
  }
  return offered.sort((a, b) => a.upload.startedAt - b.upload.startedAt);
}
