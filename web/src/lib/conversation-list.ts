// How a conversation is listed (Home, Conversations): the child's name where the server gave it
// (only to those policy lets see it) or this session learnt it by opening the record with a
// reason, else the record's identifier; the other people; unread messages on this device.
import type { Unread } from './unread';
import type { Thread } from './types';

export const childRecordLabel = (childId: string) => `Child record ${childId.slice(0, 8)}`;

/** The child's name, or null when this viewer is not shown it. */
export function childNameOf(thread: Pick<Thread, 'childId' | 'childName'>, openedNames: Record<string, string>): string | null {
  return thread.childName ?? openedNames[thread.childId] ?? null;
}

export function othersIn(thread: Pick<Thread, 'participants'>, me: string | undefined): { id: string; name: string }[] {
  return thread.participants.filter((p) => p.id !== me);
}

/** Unread messages in a thread, from the marks this device keeps (they survive a reload, unlike the loaded messages). */
export function unreadCount(unread: Unread, threadId: string): number {
  let count = 0;
  for (const id of Object.values(unread)) if (id === threadId) count++;
  return count;
}

/** The server's last activity, moved on by messages this device has had since (ISO times compare as text). */
export function lastActivityOf(thread: Pick<Thread, 'lastActivityAt'>, messages: readonly { storedAt: string }[] | undefined): string {
  return (messages ?? []).reduce((latest, m) => (m.storedAt > latest ? m.storedAt : latest), thread.lastActivityAt);
}

/** The threads with their last activity (see `lastActivityOf`), the most recent first. */
export function byLastActivity<T extends Pick<Thread, 'id' | 'lastActivityAt'>>(
  threads: readonly T[],
  byThread: Record<string, readonly { storedAt: string }[]>,
): T[] {
  return threads.map((t) => ({ ...t, lastActivityAt: lastActivityOf(t, byThread[t.id]) })).sort((a, b) => b.lastActivityAt.localeCompare(a.lastActivityAt));
}
