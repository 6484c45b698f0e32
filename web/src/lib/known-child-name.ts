// A child's name as this session may show it: given by the server with the item (only where
// policy lets this viewer see it), or learnt this session from a record opened with a reason, a
// conversation or the recently opened list; else the record's identifier.
import { childIndex } from './children.svelte';
import { childRecordLabel } from './conversation-list';
import { messaging } from './messaging.svelte';
import { recentChildren } from './recent-children.svelte';

export function knownChildName(childId: string, given?: string | null): string {
  return (
    given ??
    childIndex.names[childId] ??
    messaging.threads?.find((t) => t.childId === childId && t.childName)?.childName ??
    recentChildren.list.find((c) => c.id === childId)?.name ??
    childRecordLabel(childId)
  );
}
