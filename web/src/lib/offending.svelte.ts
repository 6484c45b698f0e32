// The offending-risk tier as a designated officer sees it (DESIGN.md §1): marking a child, and
// the special file — the officers on the case and the written records, opened on this device
// like messages (envelope-opener.ts). Only designated officers on the case can read the file.
import { offending as api } from './api';
import { childIndex } from './children.svelte';
import { EnvelopeOpener, type Opened } from './envelope-opener';
import { keyLog } from './key-log.svelte';
import { identityKeys } from './keys.svelte';
import { messaging, type Stored } from './messaging.svelte';
import { session } from './session.svelte';
import type { Child, Person } from './types';

export const OFFICER_FALLBACK = 'Designated officer';

class OffendingState {
  /** Names of people by id: the officers on each case the special file listed, and people met in this session's searches. */
  names = $state<Record<string, string>>({});
  /** The officers on each child's case, as the special file last listed them. */
  officers = $state<Record<string, string[]>>({});

  constructor() {
    session.onEnd(() => {
      this.names = {};
      this.officers = {};
    });
  }

  get isOfficer(): boolean {
    return session.role === 'designated_officer';
  }

  remember(people: Pick<Person, 'id' | 'name'>[]): void {
    for (const p of people) this.names[p.id] = p.name;
  }

  nameOf(userId: string): string {
    if (userId === session.current?.user.id) return session.current.user.name;
    return this.names[userId] ?? OFFICER_FALLBACK;
  }

  async mark(child: Child, reason: string): Promise<void> {
    await api.mark(child.id, reason);
    childIndex.changed(
      { ...child, offendingRisk: true, offendingCase: { exists: true, onCase: true } },
      `${child.name} is marked as at risk of offending. The special file is open.`,
    );
  }

  async unmark(child: Child, reason: string): Promise<void> {
    await api.unmark(child.id, reason);
    childIndex.changed({ ...child, offendingRisk: false }, `The mark is removed. The special file stays, readable by the officers on the case.`);
  }

  /** The officers on the case (reading the special file, which the server audits). */
  async loadOfficers(childId: string): Promise<string[]> {
    const file = await api.specialFile(childId);
    this.remember(file.officers);
    this.officers[childId] = file.officerIds;
    return file.officerIds;
  }
}

export const offendingRisk = new OffendingState();

/** One child's special file on screen. */
export class SpecialFileView {
  fileId = $state<string | null>(null);
  loadError = $state<string | null>(null);
  opened = $state<Record<string, Opened>>({});
  private readonly opener: EnvelopeOpener;

  constructor(
    readonly childId: string,
    readonly me: string,
  ) {
    this.opener = new EnvelopeOpener(me, (id) => offendingRisk.nameOf(id), 'written record', 'written_record');
  }

  get officerIds(): string[] {
    return offendingRisk.officers[this.childId] ?? [];
  }

  /** The other officers on the case, who receive each written record. */
  get others(): { id: string; name: string }[] {
    return this.officerIds.filter((id) => id !== this.me).map((id) => ({ id, name: offendingRisk.nameOf(id) }));
  }

  get records(): Stored[] {
    return this.fileId ? (messaging.byThread[this.fileId] ?? []) : [];
  }

  async load(): Promise<void> {
    try {
      const file = await api.specialFile(this.childId);
      offendingRisk.remember(file.officers);
      offendingRisk.officers[this.childId] = file.officerIds;
      messaging.ingest(file.specialFileId, file.records);
      this.fileId = file.specialFileId;
    } catch (error) {
      this.loadError = error instanceof Error ? error.message : 'The special file could not be loaded.';
    }
  }

  /**
   * Opens records not opened yet (and those waiting for a key grant for this user, once one is
   * listed); called when the list changes or the keys become ready. Then shares the records this
   * user can read with any officer they still wait for who now has keys.
   */
  async openNew(): Promise<void> {
    if (!identityKeys.ready) return;
    for (const m of this.records) {
      const opened = this.opened[m.id];
      if (m.revoked || !m.envelope) continue;
      if (opened && !(opened.state === 'waiting' && (m.keyGrants ?? []).some((g) => g['userId'] === this.me))) continue;
      this.opened[m.id] = await this.opener.open(m, this.childId);
      // Waiting with keys now: the officers who can read it are asked once, so that an open special file of theirs shares it.
      if (this.opened[m.id]?.state === 'waiting' && !this.asked.includes(m.id)) {
        this.asked.push(m.id);
        messaging.askForGrant(m.id);
      }
    }
    await this.shareWithWaiting();
  }

  // Records this user, waiting for them, has asked for in this view (not shown, so not reactive).
  private readonly asked: string[] = [];

  /** Officers a record was filed before they had keys, by id, who have no key grant for it yet (from its signed header). */
  waitingFor(m: Stored): string[] {
    const opened = this.opened[m.id];
    if (opened?.state !== 'opened' || opened.header.v !== 3) return [];
    const granted = (m.keyGrants ?? []).map((g) => g['userId']);
    return opened.header.pending.filter((id) => !granted.includes(id));
  }

  private sharing: Promise<void> | null = null;
  private shareAgain = false;

  /**
   * For each record this user can read (its author, or a recipient its signed header names) that
   * waits for officers still on the case: wraps its key for those who now have keys a certified
   * admin confirmed, checked against the key log as for filing, and sends the signed grant
   * (share:grant). Runs when the special file is opened, its records change or a waiting officer
   * asks; a call while one runs makes it run once more after. Officers still without keys are
   * tried again next time.
   */
  private shareWithWaiting(): Promise<void> {
    if (this.sharing) {
      this.shareAgain = true;
      return this.sharing;
    }
    this.sharing = (async () => {
      do {
        this.shareAgain = false;
        await this.shareOnce();
      } while (this.shareAgain);
    })().finally(() => (this.sharing = null));
    return this.sharing;
  }

  private async shareOnce(): Promise<void> {
    const mine = this.records.flatMap((m) => {
      const opened = this.opened[m.id];
      if (m.revoked || !m.envelope || opened?.state !== 'opened') return [];
      const readers = [opened.header.senderId, ...opened.header.recipients.map((r) => r.userId)];
      const waiting = this.waitingFor(m).filter((id) => this.officerIds.includes(id));
      return readers.includes(this.me) && waiting.length ? [{ m, senderId: opened.header.senderId, waiting }] : [];
    });
    if (mine.length === 0) return;
    try {
      // One key check for everyone waiting, across records.
      const ids = mine.flatMap((r) => r.waiting).filter((id, i, all) => all.indexOf(id) === i);
      const { verified } = await keyLog.verifyPublished(ids.map((id) => ({ id, name: offendingRisk.nameOf(id) })));
      // As when filing: only keys a certified admin confirmed, and no unacknowledged key change.
      const ready = verified.filter((k) => k.trust.vouched && keyLog.pendingFor([k.userId]).length === 0);
      for (const { m, senderId, waiting } of mine) {
        const to = ready.filter((k) => waiting.includes(k.userId));
        if (to.length === 0) continue;
        const senderKey = await this.opener.senderKey(senderId);
        for (const key of to) {
          const grant = identityKeys.grantKey(m.envelope, senderKey, { userId: key.userId, boxPublicKey: key.boxPublicKey, keyFingerprint: key.fingerprint });
          const problem = await messaging.grant(grant);
          if (problem) console.warn('A written record could not be shared with an officer it waits for yet', problem);
        }
      }
    } catch (error) {
      // Tried again the next time the file is opened or asked; nothing on screen depends on it.
      console.warn('A written record could not be shared with an officer it waits for yet', error);
    }
  }
}
