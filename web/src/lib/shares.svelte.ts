// A child's share log as this practitioner sees it: the chronology of verbal shares and
// decisions not to share they sent or took part in (or, for the child's lead practitioner, every
// agency's), and what they just recorded. Summaries are opened here in the browser, with this
// user's keys; the server never sees them in the clear.
import { ApiError, integrity, shares as api } from './api';
import { KeyCheckError, keyLog } from './key-log.svelte';
import { identityKeys, loadCrypto } from './keys.svelte';
import { session } from './session.svelte';
import type { AttachmentDescriptor } from '../../../crypto';
import type { ChronologyScope, DecisionBody, MultiAgencyEntry, ShareEntry, VerbalShareBody } from './types';

export type LoadState = 'idle' | 'loading' | 'ready' | 'failed';

/**
 * What a summary shows: its text (and whether its recorder signed it, or it predates signatures),
 * that it cannot be opened or checked here (`problem` says why), that it was altered on the server,
 * or that it is still being opened.
 */
export type SummaryView =
  | { state: 'open'; text: string; signed: boolean; attachments: AttachmentDescriptor[] }
  | { state: 'closed'; problem: string }
  | { state: 'altered'; recorder: string }
  | { state: 'loading' };

/** An entry as either chronology lists it: the multi-agency one says whether the reader took part. */
export type ChronologyEntry = ShareEntry & Partial<Pick<MultiAgencyEntry, 'readerIsParty' | 'hasSummary'>>;

class ShareLog {
  childId = $state<string | null>(null);
  scope = $state<ChronologyScope>('mine');
  entries = $state.raw<ChronologyEntry[]>([]);
  /** Why the chronology could not be loaded, when the server said (a lead whose appointment ended, say). */
  loadError = $state<string | null>(null);
  /** Summaries opened on this device, by entry id. */
  summaries = $state<Record<string, SummaryView>>({});
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
    this.scope = 'mine';
    this.entries = [];
    this.loadError = null;
    this.summaries = {};
    this.load = 'idle';
    this.done = null;
  }

  /** `all`: every agency's entries, which the server shows the child's lead practitioner only (and audits). */
  async loadChronology(childId: string, scope: ChronologyScope = 'mine'): Promise<void> {
    const run = ++this.run;
    if (this.childId !== childId || this.scope !== scope) this.entries = [];
    this.childId = childId;
    this.scope = scope;
    this.load = 'loading';
    this.loadError = null;
    try {
      const { entries } = scope === 'all' ? await api.allAgencies(childId) : await api.chronology(childId);
      if (run !== this.run) return;
      this.entries = entries;
      this.load = 'ready';
    } catch (error) {
      if (run !== this.run) return;
      this.load = 'failed';
      this.loadError = error instanceof ApiError && error.status === 403 ? error.message : null;
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
    await this.loadChronology(childId, this.scope);
  }

  /** Shown once, as a success banner, on the child's chronology. */
  announce(childId: string, text: string): void {
    this.done = { seq: ++this.seq, childId, text };
  }

  dismiss(): void {
    this.done = null;
  }

  /** The entry's summary as opened so far (openSummary does the work); null when it has none. */
  summaryOf(entry: ShareEntry): SummaryView | null {
    if (!entry.summary) return null;
    return this.summaries[entry.id] ?? { state: 'loading' };
  }

  /**
   * Opens the entry's summary with this browser's keys, bound to this entry, child and sender, and
   * checks that the practitioner the entry says recorded it signed it, with their keys from the
   * key log. One that is not signed by them was altered on the server: it is not shown, and the
   * server is told (which alerts the system admins).
   */
  async openSummary(entry: ShareEntry, childId: string): Promise<void> {
    const note = entry.summary;
    if (!note || !identityKeys.ready || this.summaries[entry.id]) return;
    this.summaries[entry.id] = { state: 'loading' };
    this.summaries[entry.id] = await this.open(entry, childId, note);
  }

  private async open(entry: ShareEntry, childId: string, note: unknown): Promise<SummaryView> {
    const crypto = await loadCrypto();
    const sender = entry.sender;
    let author: { signPublicKey: Uint8Array; loggedAt: string | null };
    try {
      const mine = identityKeys.userId === sender.id ? identityKeys.signPublicKey : null;
      if (mine) author = { signPublicKey: mine, loggedAt: null };
      else {
        const [verified] = await keyLog.verify([{ id: sender.id, name: sender.name }]);
        if (!verified) throw new KeyCheckError(`${sender.name}’s keys could not be checked.`);
        author = verified;
      }
    } catch (error) {
      return {
        state: 'closed',
        problem: error instanceof KeyCheckError ? `This summary cannot be checked: ${error.message}` : 'This summary cannot be checked in this browser.',
      };
    }
    try {
      const opened = identityKeys.openNote(
        note,
        { shareId: entry.id, childId, senderId: sender.id },
        { userId: sender.id, signPublicKey: author.signPublicKey },
      );
      // Files travel in a signed summary only (docs/attachments.md): an unsigned one, from before
      // signatures, shows as the plain text it always was, so no one can slip file keys into it.
      if (!opened.signed) return { state: 'open', text: opened.text, signed: false, attachments: [] };
      try {
        return { state: 'open', signed: true, ...crypto.decodeBody(opened.text) };
      } catch {
        return { state: 'closed', problem: 'This summary’s files are described in a form this version of Haven cannot read.' };
      }
    } catch (error) {
      if (!(error instanceof crypto.SignatureError)) return { state: 'closed', problem: 'This summary cannot be opened in this browser.' };
      // Keys replaced after the share was recorded cannot check its signature: that is not an alteration.
      if (author.loggedAt && author.loggedAt > entry.recordedAt) {
        return { state: 'closed', problem: `This summary cannot be checked: ${sender.name} has replaced their security keys since recording it.` };
      }
      integrity.report({ kind: 'summary_not_signed', shareId: entry.id, reason: 'signature_invalid' }).catch((e: unknown) => console.error(e));
      return { state: 'altered', recorder: sender.name };
    }
  }
}

export const shareLog = new ShareLog();
