// The offending-risk tier as a designated officer sees it (DESIGN.md §1): marking a child, and
// the special file — the officers on the case and the written records, opened on this device
// like messages (envelope-opener.ts). Only designated officers on the case can read the file.
import { offending as api } from './api';
import { childIndex } from './children.svelte';
import { EnvelopeOpener, type Opened } from './envelope-opener';
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

  /** Opens records not opened yet; called when the list changes or the keys become ready. */
  async openNew(): Promise<void> {
    if (!identityKeys.ready) return;
    for (const m of this.records) {
      if (m.revoked || !m.envelope || this.opened[m.id]) continue;
      this.opened[m.id] = await this.opener.open(m, this.childId);
    }
  }
}
