// Retention for system admins: the schedule with its reasons, runs on demand (a dry run lists,
// a real run destroys), and the recent runs. Legal holds, which stop a child's records being
// destroyed, are placed and released from the child's record by any admin.
import { ApiError } from './api';
import { retention as api } from './api-admin';
import { childIndex } from './children.svelte';
import type { Child, RetentionResult, RetentionRule, RetentionRun } from './types';

export const RECORD_CLASS_LABELS: Record<RetentionRule['recordClass'], string> = {
  index_entry: 'Children’s index entries',
  welfare_message: 'Messages in conversations',
  verbal_share_log: 'Share log (verbal shares and decisions not to share)',
  special_file: 'Special files (written records)',
  audit: 'Audit log',
};

/** Each count's words, singular and plural. */
const COUNT_LABELS: Record<string, [string, string]> = {
  indexEntry: ['index entry', 'index entries'],
  involvements: ['agency involved', 'agencies involved'],
  concerns: ['flag of concern', 'flags of concern'],
  specialistContacts: ['specialist contact', 'specialist contacts'],
  shareLogEntries: ['share log entry', 'share log entries'],
  shareParticipants: ['person named in the share log', 'people named in the share log'],
  threads: ['conversation', 'conversations'],
  messages: ['message', 'messages'],
  wrappedKeyCopies: ['message key copy', 'message key copies'],
  threadParticipants: ['person in conversations', 'people in conversations'],
  obligations: ['written record due', 'written records due'],
  auditPrivateDetails: ['audit entry detail', 'audit entry details'],
};

/** "1 index entry, 2 share log entries, 1 message…" — only what there is. */
export function describeCounts(counts: Record<string, number>): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([key, n]) => `${n} ${COUNT_LABELS[key]?.[n === 1 ? 0 : 1] ?? key}`);
  return parts.join(', ') || 'nothing';
}

const messageOf = (error: unknown, fallback: string) => (error instanceof ApiError ? error.message : fallback);

export class RetentionState {
  schedule = $state.raw<RetentionRule[] | null>(null);
  runs = $state.raw<RetentionRun[] | null>(null);
  loadError = $state<string | null>(null);
  /** The kind of run under way, if any. */
  running = $state<'dry' | 'destroy' | null>(null);
  result = $state.raw<RetentionResult | null>(null);
  runError = $state<string | null>(null);

  async load(): Promise<void> {
    this.loadError = null;
    try {
      const [{ schedule }, { runs }] = await Promise.all([api.schedule(), api.runs()]);
      this.schedule = schedule;
      this.runs = runs;
    } catch (error) {
      this.loadError = messageOf(error, 'The retention schedule could not be loaded. Reload the page to try again.');
    }
  }

  async run(dryRun: boolean): Promise<void> {
    if (this.running) return;
    this.running = dryRun ? 'dry' : 'destroy';
    this.result = null;
    this.runError = null;
    try {
      this.result = await api.run(dryRun);
    } catch (error) {
      this.runError = messageOf(error, 'The run did not finish. Records destroyed so far stay destroyed; run it again to carry on.');
    } finally {
      this.running = null;
    }
    try {
      this.runs = (await api.runs()).runs;
    } catch {
      // The list of runs stays as it was; the result above is what matters now.
    }
  }
}

/** A legal hold keeps the child's records past their retention date until it is released. */
export async function placeLegalHold(child: Child, reason: string): Promise<void> {
  await api.placeHold(child.id, reason);
  childIndex.changed(child, `A legal hold is placed on ${child.name}’s records. They will not be destroyed until the hold is released.`);
}

export async function releaseLegalHold(child: Child, reason: string): Promise<void> {
  await api.releaseHold(child.id, reason);
  childIndex.changed(child, `The legal hold is released. ${child.name}’s records follow the retention schedule again.`);
}
