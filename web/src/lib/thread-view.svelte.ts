// One conversation on screen: its participants, and each message opened on this device
// (envelope-opener.ts). Nothing is opened on the server; a message that cannot be opened says so.
import type { ShareRecord } from '../../../server/shares/share-record';
import { ComposeForm } from './compose.svelte';
import { startRecordOf } from './conversation-memory';
import { EnvelopeOpener, type Opened } from './envelope-opener';
import { identityKeys } from './keys.svelte';
import { messaging, type Stored } from './messaging.svelte';
import type { Thread } from './types';

export type { Opened };

const STARTED_WITH = 'the share record this conversation was started with';

export class ThreadView {
  thread = $state.raw<Thread | null>(null);
  compose = $state.raw<ComposeForm | null>(null);
  loadError = $state<string | null>(null);
  opened = $state<Record<string, Opened>>({});
  private readonly opener: EnvelopeOpener;
  /** The record this conversation was started with on this device, if it was (conversation-memory.ts). */
  private startRecord: ShareRecord | null = null;

  constructor(
    readonly id: string,
    private readonly me: string,
  ) {
    this.opener = new EnvelopeOpener(me, (userId) => this.nameOf(userId));
  }

  get messages(): Stored[] {
    return messaging.byThread[this.id] ?? [];
  }

  nameOf(userId: string): string {
    if (userId === this.me) return 'You';
    return this.thread?.participants.find((p) => p.id === userId)?.name ?? 'Someone no longer in this conversation';
  }

  async load(): Promise<void> {
    try {
      const [thread, startRecord] = await Promise.all([messaging.loadThread(this.id), messaging.startRecords.get(this.id) ?? startRecordOf(this.me, this.id)]);
      this.startRecord = startRecord;
      this.thread = thread;
      this.compose = new ComposeForm(thread, this.me);
      messaging.openThread = this.id;
      messaging.markRead(this.id);
      // Messages to take the record from are opened first (openNew); with none, the start record it is.
      if (this.messages.every((m) => m.revoked || !m.envelope)) this.compose.prefill(startRecord, STARTED_WITH);
    } catch (error) {
      this.loadError = error instanceof Error ? error.message : 'This conversation could not be loaded.';
    }
  }

  /** The conversation again after someone joined, keeping what is being written. */
  async refresh(): Promise<void> {
    this.thread = await messaging.loadThread(this.id);
    this.compose?.conversationChanged(this.thread);
  }

  leave(): void {
    if (messaging.openThread === this.id) messaging.openThread = null;
  }

  /** Opens messages not opened yet; called whenever the list changes or the keys become ready. */
  async openNew(): Promise<void> {
    if (!this.thread || !identityKeys.ready) return;
    for (const m of this.messages) {
      const current = this.opened[m.id];
      if (m.revoked || !m.envelope) {
        if (current) delete this.opened[m.id];
        continue;
      }
      if (current) continue;
      this.opened[m.id] = await this.opener.open(m, this.thread.childId);
    }
    const last = this.lastRecord();
    this.compose?.prefill(last ?? this.startRecord, last ? 'the last message in this conversation' : STARTED_WITH);
  }

  /** The share record of the newest message opened here. */
  private lastRecord(): ShareRecord | null {
    for (const m of [...this.messages].reverse()) {
      const o = this.opened[m.id];
      if (o?.state === 'opened') return o.header.record as ShareRecord;
    }
    return null;
  }
}
