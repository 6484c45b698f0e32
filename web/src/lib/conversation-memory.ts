// What this device remembers about a conversation between visits, for the user on it:
// - the share record the conversation was started with, in IndexedDB, so its first message starts
//   from it after the user goes elsewhere or reloads (the server is never asked: a record the user
//   signs must not be one the server could have chosen);
// - the message being written, in sessionStorage: it survives a reload, and is gone when the tab
//   closes, the message is sent, or the user signs out.
import type { ShareRecord } from '../../../server/shares/share-record';
import { deleteState, readState, writeState } from './idb';

const startKey = (me: string, threadId: string) => `start-record:${me}:${threadId}`;
const DRAFT_PREFIX = 'haven-draft:';
const draftKey = (me: string, threadId: string) => `${DRAFT_PREFIX}${me}:${threadId}`;

export async function rememberStartRecord(me: string, threadId: string, record: ShareRecord): Promise<void> {
  await writeState(startKey(me, threadId), record);
}

export async function startRecordOf(me: string, threadId: string): Promise<ShareRecord | null> {
  return (await readState<ShareRecord>(startKey(me, threadId)).catch(() => undefined)) ?? null;
}

/** A conversation destroyed under the retention schedule leaves nothing of itself here. */
export async function forgetConversation(me: string, threadId: string): Promise<void> {
  clearDraft(me, threadId);
  await deleteState(startKey(me, threadId)).catch(() => undefined);
}

export function readDraft(me: string, threadId: string): string {
  try {
    return sessionStorage.getItem(draftKey(me, threadId)) ?? '';
  } catch {
    return ''; // storage refused (private mode, quota): drafts just do not survive a reload
  }
}

export function writeDraft(me: string, threadId: string, text: string): void {
  try {
    if (text) sessionStorage.setItem(draftKey(me, threadId), text);
    else sessionStorage.removeItem(draftKey(me, threadId));
  } catch {
    // as above
  }
}

export function clearDraft(me: string, threadId: string): void {
  writeDraft(me, threadId, '');
}

/** Sign-out: no draft outlives the session that wrote it. */
export function clearAllDrafts(): void {
  try {
    for (const key of Object.keys(sessionStorage)) if (key.startsWith(DRAFT_PREFIX)) sessionStorage.removeItem(key);
  } catch {
    // as above
  }
}
