// Admin alerts: who overrode a shield and when (naming the record by identifier only), and
// whose account was locked after many failed sign-ins.
import { ApiError, alerts } from './api';
import type { AdminAlert } from './types';

export class AlertsState {
  list = $state<AdminAlert[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);
  announcement = $state('');

  get unacknowledged(): number {
    return this.list.filter((a) => !a.acknowledged).length;
  }

  async load(): Promise<void> {
    this.loading = true;
    this.error = null;
    try {
      this.list = (await alerts.list()).alerts;
      this.announcement = `${this.unacknowledged} ${this.unacknowledged === 1 ? 'alert' : 'alerts'} to acknowledge`;
    } catch (error) {
      this.error = error instanceof ApiError ? error.message : 'The alerts could not be loaded.';
    } finally {
      this.loading = false;
    }
  }

  async acknowledge(id: string): Promise<void> {
    await alerts.acknowledge(id);
    this.list = this.list.map((a) => (a.id === id ? { ...a, acknowledged: true } : a));
    this.announcement = 'Alert acknowledged';
  }
}
