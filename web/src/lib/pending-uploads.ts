// Uploads this browser started and has not yet seen sent, removed or cancelled, kept in IndexedDB
// (store `pending-uploads`, one record per upload id) so that one cut off by the page closing can be
// resumed when its conversation or verbal share is opened again (docs/attachments.md). A record
// holds the chosen file and its key, on this device only, as the private keys are; it goes when the
// file is sent, taken off or cancelled, when the person signs out, and after 24 hours.
import { withStore } from './idb';
import { asPendingUpload, isFresh, offeredHere, type PendingUpload, type UploadTarget } from './pending-upload-rules';

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
 * The interrupted uploads to offer on this screen, oldest first. Records that are damaged or older
 * than the server keeps unsent uploads are deleted on the way.
 */
export async function pendingUploadsFor(userId: string, target: UploadTarget, now = Date.now()): Promise<PendingUpload[]> {
  let values: unknown[];
  let keys: IDBValidKey[];
  try {
    [values, keys] = await Promise.all([
      withStore<unknown[]>(STORE, 'readonly', (store) => store.getAll()),
      withStore<IDBValidKey[]>(STORE, 'readonly', (store) => store.getAllKeys()),
    ]);
  } catch {
    return [];
  }
  const offered: PendingUpload[] = [];
  for (const [i, value] of values.entries()) {
    const upload = asPendingUpload(value);
    if (!upload || !isFresh(upload, now)) {
      const key = keys[i];
      if (key !== undefined) await withStore(STORE, 'readwrite', (store) => store.delete(key)).catch(() => undefined);
      continue;
    }
    if (offeredHere(upload, { userId, target, now })) offered.push(upload);
  }
  return offered.sort((a, b) => a.startedAt - b.startedAt);
}
