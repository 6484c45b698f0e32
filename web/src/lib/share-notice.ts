// The polite notice of a new share that arrived for a place not on screen (NewMessageNotice.svelte).
// Like every notification it carries no names and no content (DESIGN.md §1): only what kind of
// share it is and where to find it.
import type { SyncedMessage } from './types';

export interface ShareNotice {
  seq: number;
  text: string;
  link: { href: `#/${string}`; text: string };
}

/** The kind the envelope's header names (signed, and checked by the server against the thread it is in), read without opening it. */
function kindOf(envelope: SyncedMessage['envelope']): unknown {
  const header = envelope?.['header'];
  return typeof header === 'object' && header !== null ? (header as Record<string, unknown>)['kind'] : undefined;
}

/** A written record leads to the special file it is in (which asks why, as opening any child's record does); a message, to Conversations. */
export function shareNotice(message: Pick<SyncedMessage, 'childId' | 'envelope'>, seq: number): ShareNotice {
  if (kindOf(message.envelope) === 'written_record') {
    return {
      seq,
      text: 'You have a new written record in a special file',
      link: { href: `#/children/${message.childId}/special-file`, text: 'Go to the special file' },
    };
  }
  return { seq, text: 'You have a new secure message', link: { href: '#/conversations', text: 'Go to Conversations' } };
}
