// Retention for system admins: the schedule with its reasons, runs on demand (a dry run lists,
// a real run destroys), and the recent runs. Legal holds, which stop a child's records being
// destroyed, are placed and released from the child's record by any admin. A run shows its
// progress: the server counts the children due, then reports each batch (`retention:progress`)
// and keeps the count on the run's row, which a screen reloaded mid-run polls instead.
import { ApiError } from './api';
import { retention as api } from './api-admin';
import { childIndex } from './children.svelte';
import { formatCount } from './progress';
import { useRealtime } from './realtime';
import type { Child, RetentionProgress, RetentionResult, RetentionRule, RetentionRun } from './types';

/** Screens following a run hear its progress events through here (one socket listener for all). */
// eslint-disable-next-line svelte/prefer-svelte-reactivity -- a registry of callbacks, never rendered: nothing should react to it
const progressListeners = new Set<(progress: RetentionProgress) => void>();
useRealtime((socket) => {
  const onProgress = (progress: RetentionProgress) => {
    for (const listener of progressListeners) listener(progress);
  };
  socket.on('retention:progress', onProgress);
  return () => socket.off('retention:progress', onProgress);
});

/** A run being followed here: `runId` is null until the server names it; `total` until it has counted. */
export interface RunProgress {
  runId: string | null;
  dryRun: boolean;
  done: number;
  total: number | null;
  status: RetentionRun['status'];
}

/** A screen reloaded mid-run asks the run's row this often; the page that started a run hears events instead. */
const POLL_MS = 1_500;

const records = (n: number) => (n === 1 ? 'child’s records' : 'children’s records');

/** The bar's measure: children done of those due (a run with none due finishes full). */
export function progressMeasure(p: RunProgress): { value: number | null; max: number } {
  if (p.total === null) return { value: null, max: 1 };
  if (p.total === 0) return { value: p.status === 'running' ? 0 : 1, max: 1 };
  return { value: p.done, max: p.total };
}

/** The progress in words, e.g. "Destroyed 1,500 of 4,000 children’s records". */
export function describeProgress(p: RunProgress): string {
  if (p.total === null) return 'Counting the children whose records are due…';
  const of = `${formatCount(p.done)} of ${formatCount(p.total)} ${records(p.total)}`;
  switch (p.status) {
    case 'running':
      return p.dryRun ? `Checked ${of}…` : `Destroyed ${of}…`;
    case 'finished':
      if (p.total === 0) return 'Finished. No children’s records were due.';
      return p.dryRun ? `Finished. Checked ${of}; nothing was changed.` : `Finished. Destroyed ${of}.`;
    case 'interrupted':
      return `The run stopped before it finished, after ${p.dryRun ? 'checking' : 'destroying'} ${of}. Run it again to carry on.`;
  }
}

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
  attachments: ['attached file', 'attached files'],
  wrappedKeyCopies: ['message key copy', 'message key copies'],
  threadParticipants: ['person in conversations', 'people in conversations'],
  obligations: ['written record due', 'written records due'],
  leadPractitioners: ['lead practitioner appointment', 'lead practitioner appointments'],
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
  /** The run followed on this screen, started here or found running when it loaded. */
  progress = $state.raw<RunProgress | null>(null);
  private poll: ReturnType<typeof setTimeout> | null = null;
  private listening = false;

  /** Hears progress while the screen is open; returns how to stop. */
  listen(): () => void {
    const onProgress = (p: RetentionProgress) =>
      this.advance({ runId: p.runId, done: p.done, total: p.total, status: p.phase === 'finished' ? 'finished' : 'running' });
    progressListeners.add(onProgress);
    this.listening = true;
    return () => {
      progressListeners.delete(onProgress);
      this.listening = false;
      if (this.poll) clearTimeout(this.poll);
      this.poll = null;
    };
  }

  async load(): Promise<void> {
    this.loadError = null;
    try {
      const [{ schedule }, { runs }] = await Promise.all([api.schedule(), api.runs()]);
      this.schedule = schedule;
      this.runs = runs;
      // Started before this page loaded (a reload, another tab, the nightly job): follow it.
      const newest = runs[0];
      if (newest?.status === 'running' && !this.progress) {
        this.progress = { runId: newest.id, dryRun: newest.dryRun, done: newest.done, total: newest.total, status: 'running' };
        this.schedulePoll();
      }
    } catch (error) {
      this.loadError = messageOf(error, 'The retention schedule could not be loaded. Reload the page to try again.');
    }
  }

  /** A run is under way: started here, or followed since the screen loaded. */
  get busy(): boolean {
    return this.running !== null || this.progress?.status === 'running';
  }

  async run(dryRun: boolean): Promise<void> {
    if (this.busy) return;
    this.running = dryRun ? 'dry' : 'destroy';
    this.result = null;
    this.runError = null;
    this.progress = { runId: null, dryRun, done: 0, total: null, status: 'running' };
    try {
      const result = await api.run(dryRun);
      this.advance({ runId: result.runId, done: result.children.length, total: result.children.length, status: 'finished' });
      this.result = result;
    } catch (error) {
      this.progress = null;
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

  /** Takes news of the followed run, from an event or its row; they may arrive out of order. */
  private advance(update: { runId: string; done: number; total: number | null; status: RunProgress['status'] }): void {
    const current = this.progress;
    if (!current || (current.runId !== null && current.runId !== update.runId)) return;
    if (current.status !== 'running' || update.done < current.done) return;
    this.progress = { ...current, ...update, total: update.total ?? current.total };
  }

  private schedulePoll(): void {
    if (!this.listening) return;
    if (this.poll) clearTimeout(this.poll);
    this.poll = setTimeout(() => void this.pollOnce(), POLL_MS);
  }

  private async pollOnce(): Promise<void> {
    this.poll = null;
    const runId = this.progress?.runId;
    if (!runId || this.progress?.status !== 'running') return;
    try {
      const { run } = await api.runStatus(runId);
      this.advance({ runId, done: run.done, total: run.total, status: run.status });
      if (run.status !== 'running') {
        this.runs = (await api.runs()).runs;
        return;
      }
    } catch {
      // A dropped request: the next poll asks again.
    }
    this.schedulePoll();
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
