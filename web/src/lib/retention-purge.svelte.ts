// Records destroyed under the retention schedule. The server tells every connected reader
// (`retention:purged`, ids only); this device then forgets all it holds about the child — their
// conversations and messages (memory and IndexedDB), their name and open record, search results,
// chronology, special-file officers, written records due, children opened recently, children they lead — and a screen showing any of it says so.
import { childIndex } from './children.svelte';
import { leadPractitioner } from './lead-practitioner.svelte';
import { messaging } from './messaging.svelte';
import { obligationState } from './obligations.svelte';
import { recentChildren } from './recent-children.svelte';
import { offendingRisk } from './offending.svelte';
import { useRealtime } from './realtime';
import type { Route } from './router.svelte';
import { session } from './session.svelte';
import { shareLog } from './shares.svelte';

export const DESTROYED = 'This record has been destroyed under the retention schedule.';

class PurgedRecords {
  /** Destroyed while this user was signed in here: screens about them show `DESTROYED`. */
  childIds = $state<string[]>([]);
  threadIds = $state<string[]>([]);

  constructor() {
    useRealtime((socket) => {
      const onPurged = ({ childId, threadIds }: { childId: string; threadIds: string[] }) =>
        void this.forget(childId, threadIds).catch((error: unknown) => console.error(error));
      socket.on('retention:purged', onPurged);
      return () => socket.off('retention:purged', onPurged);
    });
    session.onEnd(() => {
      this.childIds = [];
      this.threadIds = [];
    });
  }

  async forget(childId: string, threadIds: string[]): Promise<void> {
    const known = (messaging.threads ?? []).filter((t) => t.childId === childId).map((t) => t.id);
    this.childIds = [...new Set([...this.childIds, childId])];
    this.threadIds = [...new Set([...this.threadIds, ...threadIds, ...known])];
    childIndex.forget(childId);
    if (shareLog.childId === childId) shareLog.clear();
    delete offendingRisk.officers[childId];
    obligationState.forget(childId);
    recentChildren.forget(childId);
    leadPractitioner.forget(childId);
    await messaging.forget(childId, threadIds);
  }

  /** Whether this route shows a destroyed conversation or anything from a destroyed child's record. */
  covers(route: Route): boolean {
    if (route.name === 'conversation') return this.threadIds.includes(route.id);
    return 'id' in route && route.name.startsWith('child') && this.childIds.includes(route.id);
  }
}

export const purgedRecords = new PurgedRecords();
