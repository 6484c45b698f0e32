// A child's share log as this practitioner sees it: the chronology of verbal shares and
// decisions not to share they sent or took part in, and what they just recorded. Summaries are
// opened here in the browser, with this user's keys; the server never sees them in the clear.
import { shares as api } from './api';
import { identityKeys } from './keys.svelte';
import { session } from './session.svelte';
import type { DecisionBody, ShareEntry, VerbalShareBody } from './types';

export type LoadState = 'idle' | 'loading' | 'ready' | 'failed';

/** What a summary shows: its text, that it cannot be opened here, or that keys are still loading. */
export type SummaryView = { state: 'open'; text: string } | { state: 'closed' } | { state: 'loading' };

class ShareLog {
  childId = $state<string | null>(null);
  entries = $state.raw<ShareEntry[]>([]);
  load = $state<LoadState>('idle');
  /** The outcome of the last thing recorded, for the chronology's success banner. */
  done = $state<{ seq: number; childId: string; text: string } | null>(null);

  private seq = 0;
  private run = 0;

  constructor() {
    session.onEnd(() => this.clear());
  }

  clear(): void {
    this.run++;
    this.childId = null;
    this.entries = [];
    this.load = 'idle';
    this.done = null;
  }

  async loadChronology(childId: string): Promise<void> {
    const run = ++this.run;
    if (this.childId !== childId) this.entries = [];
    this.childId = childId;
    this.load = 'loading';
    try {
      const { entries } = await api.chronology(childId);
      if (run !== this.run) return;
      this.entries = entries;
      this.load = 'ready';
    } catch (error) {
      if (run !== this.run) return;
      this.load = 'failed';
      throw error;
    }
  }

  recordVerbal(childId: string, body: VerbalShareBody): Promise<{ entry: ShareEntry }> {
    return api.recordVerbal(childId, body);
  }

  recordDecision(childId: string, body: DecisionBody): Promise<{ entry: ShareEntry }> {
    return api.recordDecision(childId, body);
  }

  async reopen(entry: ShareEntry, childId: string, reason: string): Promise<void> {
    await api.reopen(entry.id, reason);
    this.announce(childId, 'The decision not to share is reopened.');
    await this.loadChronology(childId);
  }

  /** Shown once, as a success banner, on the child's chronology. */
  announce(childId: string, text: string): void {
    this.done = { seq: ++this.seq, childId, text };
  }

  dismiss(): void {
    this.done = null;
  }

  /** The entry's summary, opened with this browser's keys (bound to this entry, child and sender). */
  summaryOf(entry: ShareEntry, childId: string): SummaryView | null {
    if (!entry.summary) return null;
    if (identityKeys.status === 'loading') return { state: 'loading' };
    // The server stores the note as it came; openNote checks its shape and fails closed.
    const note = entry.summary as unknown as Parameters<typeof identityKeys.open>[0];
    const text = identityKeys.open(note, { shareId: entry.id, childId, senderId: entry.sender.id });
    return text === null ? { state: 'closed' } : { state: 'open', text };
  }
}

export const shareLog = new ShareLog();
