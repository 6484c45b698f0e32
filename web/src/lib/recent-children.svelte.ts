// The children this practitioner opened lately that their agency serves or holds, for Home. The
// server decides who is listed (and audits the list); this holds it in memory for the session.
import { children as api } from './api';
import { session } from './session.svelte';
import type { RecentChild } from './types';

export type LoadState = 'idle' | 'loading' | 'ready' | 'failed';

class RecentChildrenState {
  list = $state.raw<RecentChild[]>([]);
  load = $state<LoadState>('idle');

  constructor() {
    session.onEnd(() => {
      this.list = [];
      this.load = 'idle';
    });
  }

  /** A child's records were destroyed under the retention schedule. */
  forget(childId: string): void {
    this.list = this.list.filter((c) => c.id !== childId);
  }

  async refresh(): Promise<void> {
    this.load = 'loading';
    try {
      this.list = (await api.recent()).children;
      this.load = 'ready';
    } catch {
      this.load = 'failed';
    }
  }
}

export const recentChildren = new RecentChildrenState();
