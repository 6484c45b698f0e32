// This browser's private identity keys, in IndexedDB (database `haven`, store `identity-keys`,
// one record per user id holding the four key arrays). They never leave the browser: only the
// public halves are published.
import type { IdentityKeys } from '../../../crypto';

const DATABASE = 'haven';
const STORE = 'identity-keys';
const FIELDS = ['signPublicKey', 'signPrivateKey', 'boxPublicKey', 'boxPrivateKey'] as const;

function promised<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

function openDatabase(): Promise<IDBDatabase> {
  const request = indexedDB.open(DATABASE, 1);
  request.onupgradeneeded = () => {
    if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE);
  };
  return promised(request);
}

/** Runs one request and answers its result once the transaction has committed (so keys are stored before they are published). */
async function withStore<T>(mode: IDBTransactionMode, use: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDatabase();
  try {
    const transaction = db.transaction(STORE, mode);
    const committed = new Promise<void>((resolve, reject) => {
      transaction.oncomplete = () => resolve();
      transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
    });
    // Promise.all also absorbs the abort that follows a failed request.
    const [result] = await Promise.all([promised(use(transaction.objectStore(STORE))), committed]);
    return result;
  } finally {
    db.close();
  }
}

function asKeys(value: unknown): IdentityKeys | null {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  return FIELDS.every((field) => record[field] instanceof Uint8Array) ? (record as unknown as IdentityKeys) : null;
}

export async function loadKeys(userId: string): Promise<IdentityKeys | null> {
  return asKeys(await withStore('readonly', (store) => store.get(userId)));
}

/**
 * Stores new keys unless this browser already holds some for the user (another tab may have
 * made them a moment ago); either way, answers the keys now stored. `add` fails rather than
 * overwrite, so two tabs can never end up publishing different keys.
 */
export async function keepKeys(userId: string, keys: IdentityKeys): Promise<IdentityKeys> {
  const record = Object.fromEntries(FIELDS.map((field) => [field, keys[field]]));
  try {
    await withStore('readwrite', (store) => store.add(record, userId));
    return keys;
  } catch (error) {
    if (!(error instanceof DOMException && error.name === 'ConstraintError')) throw error;
    const stored = await loadKeys(userId);
    if (!stored) throw error;
    return stored;
  }
}
