// Messages from others not yet opened on this device, kept in IndexedDB (`client-state`,
// `unread:<userId>`) with the thread each one is in: the count survives a reload, and when a
// child's records are destroyed the ids of their messages can be found and forgotten even if
// their thread was never loaded since.
import { readState, writeState } from './idb';

/** Message id → the thread it is in (null for ids kept before threads were recorded with them). */
export type Unread = Record<string, string | null>;

const key = (me: string) => `unread:${me}`;

function isEntry(value: unknown): value is { id: string; threadId: string | null } {
  if (typeof value !== 'object' || value === null) return false;
  const { id, threadId } = value as Record<string, unknown>;
  return typeof id === 'string' && (typeof threadId === 'string' || threadId === null);
}

export async function readUnread(me: string): Promise<Unread> {
  const stored = await readState<unknown>(key(me));
  const unread: Unread = {};
  if (!Array.isArray(stored)) return unread;
  for (const item of stored) {
    // Earlier versions kept the ids alone.
    if (typeof item === 'string') unread[item] = null;
    else if (isEntry(item)) unread[item.id] = item.threadId;
  }
  return unread;
}

export async function writeUnread(me: string, unread: Unread): Promise<void> {
  await writeState(
    key(me),
    Object.entries(unread).map(([id, threadId]) => ({ id, threadId })),
  );
}
