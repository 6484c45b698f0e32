// Notices about the person's own account or work that are not obligations: someone tried to
// register a new account with their address; an admin removed the offending-risk mark from a
// child whose case they are on; (system admins) a practitioner's device refused something altered on
// the server, or the key log monitor found a fork. They say when, and name nobody; the person marks each one read.
import { obligations as api } from './api';
import { session } from './session.svelte';
import type { Notice } from './types';

class AccountNoticesState {
  list = $state.raw<Notice[]>([]);
  error = $state<string | null>(null);

  constructor() {
    session.onEnd(() => {
      this.list = [];
      this.error = null;
    });
  }

  get unread(): Notice[] {
    return this.list.filter(
      (n) => (n.kind === 'registration_attempt' || n.kind === 'case_unmarked' || n.kind === 'integrity_report' || n.kind === 'key_log_fork') && !n.read,
    );
  }

  async load(): Promise<void> {
    try {
      this.list = (await api.notices()).notices;
    } catch {
      // Not being able to show these must not stop the home page.
      this.list = [];
    }
  }

  async markRead(id: string): Promise<void> {
    this.error = null;
    try {
      await api.readNotice(id);
      this.list = this.list.map((n) => (n.id === id ? { ...n, read: true } : n));
    } catch {
      this.error = 'That did not work. Try again.';
    }
  }
}

export const accountNotices = new AccountNoticesState();
