// This browser's private identity keys, in IndexedDB (database `haven`, store `identity-keys`,
// one record per user id holding the four key arrays). They never leave the browser: only the
// public halves are published.
import type { IdentityKeys } from '../../../crypto';
import { withStore as withDatabase } from './idb';

const STORE = 'identity-keys';
const FIELDS = ['signPublicKey', 'signPrivateKey', 'boxPublicKey', 'boxPrivateKey'] as const;

const withStore = <T>(mode: IDBTransactionMode, use: (store: IDBObjectStore) => IDBRequest<T>) => withDatabase(STORE, mode, use);

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

/** Replaces the keys kept for the user: after restoring them from a backup, or replacing them deliberately. */
export async function replaceKeys(userId: string, keys: IdentityKeys): Promise<void> {
  const record = Object.fromEntries(FIELDS.map((field) => [field, keys[field]]));
  await withStore('readwrite', (store) => store.put(record, userId));
}
