// Admin view of the audit log, newest first, with paging back by sequence number.
import { ApiError, audit, type AuditQuery } from './api';
import { dayEnd, dayStart } from './format';
import type { AuditEntry, AuditVerifyResult } from './types';

const PAGE = 50;

export interface AuditFilters {
  action: string;
  from: string;
  to: string;
}

export class AuditState {
  entries = $state<AuditEntry[]>([]);
  loading = $state(false);
  hasMore = $state(false);
  error = $state<string | null>(null);
  verifying = $state(false);
  verifyResult = $state<AuditVerifyResult | null>(null);
  verifyError = $state<string | null>(null);
  announcement = $state('');

  private applied: AuditFilters = { action: '', from: '', to: '' };

  async search(filters: AuditFilters): Promise<void> {
    this.applied = { ...filters };
    this.entries = [];
    await this.fetch();
  }

  async more(): Promise<void> {
    await this.fetch(this.entries.at(-1)?.seq);
  }

  async verify(): Promise<void> {
    this.verifying = true;
    this.verifyResult = null;
    this.verifyError = null;
    try {
      this.verifyResult = await audit.verify();
    } catch (error) {
      this.verifyError = error instanceof ApiError ? error.message : 'The chain could not be checked. Try again.';
    } finally {
      this.verifying = false;
    }
  }

  private async fetch(beforeSeq?: number): Promise<void> {
    this.loading = true;
    this.error = null;
    const { action, from, to } = this.applied;
    const query: AuditQuery = {
      action: action.trim() || undefined,
      from: from ? dayStart(from) : undefined,
      to: to ? dayEnd(to) : undefined,
      limit: PAGE,
      beforeSeq,
    };
    try {
      const { entries } = await audit.list(query);
      this.entries = [...this.entries, ...entries];
      this.hasMore = entries.length === PAGE;
      this.announcement = `${this.entries.length} ${this.entries.length === 1 ? 'entry' : 'entries'} shown`;
    } catch (error) {
      this.error = error instanceof ApiError ? error.message : 'The audit log could not be loaded.';
    } finally {
      this.loading = false;
    }
  }
}
