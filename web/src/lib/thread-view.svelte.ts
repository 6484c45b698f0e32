// One conversation on screen: its participants, and each message opened on this device — the
// sender's signature checked with their key from the key log (or this browser's own key for the
// user's messages). Nothing is opened on the server; a message that cannot be opened says so.
import type { EnvelopeHeader } from '../../../crypto';
import type { ShareRecord } from '../../../server/shares/share-record';
import { ComposeForm } from './compose.svelte';
import { KeyCheckError, keyLog } from './key-log.svelte';
import { identityKeys } from './keys.svelte';
import { messaging, type Stored } from './messaging.svelte';
import type { Thread } from './types';

export type Opened = { state: 'opened'; header: EnvelopeHeader; text: string } | { state: 'closed'; problem: string };

export class ThreadView {
  thread = $state.raw<Thread | null>(null);
  compose = $state.raw<ComposeForm | null>(null);
  loadError = $state<string | null>(null);
  opened = $state<Record<string, Opened>>({});
  // Not reactive on purpose: a cache of promises, never shown.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly senderKeys = new Map<string, Promise<Uint8Array>>();

  constructor(
    readonly id: string,
    private readonly me: string,
  ) {}

  get messages(): Stored[] {
    return messaging.byThread[this.id] ?? [];
  }

  nameOf(userId: string): string {
    if (userId === this.me) return 'You';
    return this.thread?.participants.find((p) => p.id === userId)?.name ?? 'Someone no longer in this conversation';
  }

  async load(): Promise<void> {
    try {
      this.thread = await messaging.loadThread(this.id);
      this.compose = new ComposeForm(this.thread, this.me);
      messaging.openThread = this.id;
      messaging.markRead(this.id);
      this.compose.prefill(messaging.startRecords.get(this.id) ?? null);
    } catch (error) {
      this.loadError = error instanceof Error ? error.message : 'This conversation could not be loaded.';
    }
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
      this.opened[m.id] = await this.open(m);
    }
    this.compose?.prefill(this.lastRecord() ?? messaging.startRecords.get(this.id) ?? null);
  }

  /** The share record of the newest message opened here. */
  private lastRecord(): ShareRecord | null {
    for (const m of [...this.messages].reverse()) {
      const o = this.opened[m.id];
      if (o?.state === 'opened') return o.header.record as ShareRecord;
    }
    return null;
  }

  private async open(m: Stored): Promise<Opened> {
    try {
      const key = await this.signingKey(m.senderId);
      const { header, text } = identityKeys.openMessage(m.envelope, key);
      return { state: 'opened', header, text };
    } catch (error) {
      if (error instanceof KeyCheckError) return { state: 'closed', problem: `This message cannot be shown: ${error.message}` };
      return { state: 'closed', problem: 'This message cannot be opened in this browser, or its signature does not match the sender’s keys.' };
    }
  }

  private signingKey(userId: string): Promise<Uint8Array> {
    const mine = identityKeys.signPublicKey;
    if (userId === this.me && mine) return Promise.resolve(mine);
    let key = this.senderKeys.get(userId);
    if (!key) {
      key = keyLog.verify([{ id: userId, name: this.nameOf(userId) }]).then(([verified]) => {
        if (!verified) throw new KeyCheckError('the sender’s keys could not be checked.');
        return verified.signPublicKey;
      });
      key.catch(() => this.senderKeys.delete(userId));
      this.senderKeys.set(userId, key);
    }
    return key;
  }
}
