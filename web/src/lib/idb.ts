// The browser's own IndexedDB database `haven`: `identity-keys` (private keys, key-store.ts),
// `client-state` (what this device keeps to check the server: the last signed head it accepted,
// correspondents' last seen fingerprints, the sync cursor) and `pending-uploads` (files being
// uploaded, to resume after the page closed: pending-uploads.ts).
const DATABASE = 'haven';
export const STORES = ['identity-keys', 'client-state', 'pending-uploads'] as const;
export type StoreName = (typeof STORES)[number];

export function promised<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

function openDatabase(): Promise<IDBDatabase> {
  // Version 2 added `client-state`, version 3 `pending-uploads`; upgrading keeps what earlier versions stored.
  const request = indexedDB.open(DATABASE, 3);
  request.onupgradeneeded = () => {
    for (const store of STORES) if (!request.result.objectStoreNames.contains(store)) request.result.createObjectStore(store);
  };
  return promised(request);
}

/** Runs one request and answers its result once the transaction has committed. */
export async function withStore<T>(name: StoreName, mode: IDBTransactionMode, use: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDatabase();
  try {
    const transaction = db.transaction(name, mode);
    const committed = new Promise<void>((resolve, reject) => {
      transaction.oncomplete = () => resolve();
      transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
    });
    // Promise.all also absorbs the abort that follows a failed request.
    const [result] = await Promise.all([promised(use(transaction.objectStore(name))), committed]);
    return result;
  } finally {
    db.close();
  }
}

/** A value this device keeps in `client-state`, or undefined. */
export async function readState<T>(key: string): Promise<T | undefined> {
  return (await withStore<unknown>('client-state', 'readonly', (store) => store.get(key))) as T | undefined;
}

export async function writeState(key: string, value: unknown): Promise<void> {
  await withStore('client-state', 'readwrite', (store) => store.put(value, key));
}

export async function deleteState(key: string): Promise<void> {
  await withStore('client-state', 'readwrite', (store) => store.delete(key));
}

/** Every key and value of a store, read in one transaction (so each value is paired with its own key). */
export async function readEntries(name: StoreName): Promise<[IDBValidKey, unknown][]> {
  const db = await openDatabase();
  try {
    const transaction = db.transaction(name, 'readonly');
    return await new Promise((resolve, reject) => {
      const entries: [IDBValidKey, unknown][] = [];
      const request = transaction.objectStore(name).openCursor();
      request.onsuccess = () => {
        const cursor = request.result;
        if (!cursor) return resolve(entries);
        entries.push([cursor.key, cursor.value]);
        cursor.continue();
      };
      request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
    });
  } finally {
    db.close();
  }
}
