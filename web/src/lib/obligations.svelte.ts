// Written records due: the designated officer's open obligations from emergency verbal shares,
// and, for admins, the obligations escalated because they are overdue. Notices (reminders,
// escalations) are counted only: they carry no details about any child.
import { obligations as api } from './api';
import { session } from './session.svelte';
import type { EscalatedObligation, Notice, Obligation } from './types';

export type LoadState = 'idle' | 'loading' | 'ready' | 'failed';

class ObligationState {
  mine = $state.raw<Obligation[]>([]);
  mineLoad = $state<LoadState>('idle');
  escalated = $state.raw<EscalatedObligation[]>([]);
  escalatedLoad = $state<LoadState>('idle');
  notices = $state.raw<Notice[]>([]);
  /** The outcome of the last action, for a success banner. */
  done = $state<{ seq: number; text: string } | null>(null);
  private seq = 0;

  constructor() {
    session.onEnd(() => {
      this.mine = [];
      this.escalated = [];
      this.notices = [];
      this.mineLoad = this.escalatedLoad = 'idle';
      this.done = null;
    });
  }

  /** A child's records were destroyed: their obligations went with them. */
  forget(childId: string): void {
    this.mine = this.mine.filter((o) => o.childId !== childId);
    this.escalated = this.escalated.filter((o) => o.childId !== childId);
  }

  /** Reminders and escalations (notices about the person's own account are shown on their home page). */
  get obligationNotices(): Notice[] {
    return this.notices.filter((n) => n.obligationId !== null);
  }

  get unreadNotices(): number {
    return this.obligationNotices.filter((n) => !n.read).length;
  }

  async loadMine(): Promise<void> {
    this.mineLoad = 'loading';
    try {
      this.mine = (await api.mine()).obligations;
      this.mineLoad = 'ready';
    } catch {
      this.mineLoad = 'failed';
    }
  }

  async loadEscalated(): Promise<void> {
    this.escalatedLoad = 'loading';
    try {
      this.escalated = (await api.escalations()).obligations;
      this.escalatedLoad = 'ready';
    } catch {
      this.escalatedLoad = 'failed';
    }
  }

  async loadNotices(): Promise<void> {
    try {
      this.notices = (await api.notices()).notices;
    } catch {
      // The count is a convenience; the lists above say what is due.
      this.notices = [];
    }
  }

  /** The obligation an emergency verbal share just created. */
  async forShare(verbalShareId: string): Promise<Obligation | null> {
    await this.loadMine();
    return this.mine.find((o) => o.verbalShareId === verbalShareId) ?? null;
  }

  async cancel(id: string, reason: string): Promise<void> {
    await api.cancel(id, reason);
    this.done = { seq: ++this.seq, text: 'The obligation is cancelled. Your reason is in the audit log.' };
    await this.loadEscalated();
  }
}

export const obligationState = new ObligationState();
