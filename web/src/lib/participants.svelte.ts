// Who took part in a share or a decision: Haven users found by name, or named people outside
// Haven with their agency. For a share, each person whose agency does not provide a service to
// the child needs a recorded reason why they need to know (the server's policy asks the same).
import { agencies, people } from './api';
import { FormState } from './form.svelte';
import type { DirectoryAgency, ParticipantBody, Person, Role } from './types';

export const MAX_PARTICIPANTS = 20;

export interface ParticipantDraft {
  /** A Haven user's id; null for someone outside Haven. */
  userId: string | null;
  name: string;
  agencyId: string;
  agencyName: string;
  hasKeys: boolean;
  needToKnowReason: string;
}

/**
 * `share`: information was shared with them (need to know applies). `decision`: nothing was.
 * `officer`: a designated officer joining an offending-risk case (being on the case is the need to know).
 */
export type ParticipantMode = 'share' | 'decision' | 'officer';

export class ParticipantList {
  list = $state<ParticipantDraft[]>([]);
  searchName = $state('');
  /** The last search's answer; null before any search. */
  results = $state.raw<Person[] | null>(null);
  searchError = $state<string | null>(null);
  searching = $state(false);
  externalName = $state('');
  externalAgency = $state('');
  /** The small form for naming someone outside Haven, with its own field errors. */
  readonly outside = new FormState('outside-haven', ['externalName', 'externalAgency']);
  directory = $state.raw<DirectoryAgency[]>([]);
  /** Only people with this role are offered (designated officers, for a child at risk of offending). */
  onlyRole = $state<Role | null>(null);
  /** People whose need to know is already established: the designated officers on the child's case. */
  entitled = $state<string[]>([]);

  constructor(
    readonly mode: ParticipantMode,
    /** Agencies recorded as providing a service to the child. */
    private readonly involvedAgencies: readonly string[],
    private readonly myId: string,
  ) {}

  /** Search results other than the user themselves. */
  get found(): Person[] {
    return (this.results ?? []).filter((p) => p.id !== this.myId && (this.onlyRole === null || p.role === this.onlyRole));
  }

  /** Search results not already listed. */
  get offered(): Person[] {
    return this.found.filter((p) => !this.list.some((q) => q.userId === p.id));
  }

  get full(): boolean {
    return this.list.length >= MAX_PARTICIPANTS;
  }

  needsReason(participant: ParticipantDraft): boolean {
    if (participant.userId && this.entitled.includes(participant.userId)) return false;
    return this.mode === 'share' && !this.involvedAgencies.includes(participant.agencyId);
  }

  /** Haven participants who have not set up encryption keys, so a summary cannot be sealed to them. */
  get withoutKeys(): ParticipantDraft[] {
    return this.list.filter((p) => p.userId !== null && !p.hasKeys);
  }

  async loadDirectory(): Promise<void> {
    if (this.directory.length === 0) this.directory = (await agencies.directory()).agencies;
  }

  /** Finds Haven users by name; false when the name is too short to search. */
  async find(): Promise<boolean> {
    this.searchError = null;
    if (this.searchName.replace(/[^\p{L}]/gu, '').length < 2) {
      this.searchError = 'Enter at least 2 letters of the person’s name';
      return false;
    }
    this.searching = true;
    try {
      this.results = (await people.find(this.searchName.trim())).people;
      return true;
    } catch (error) {
      this.searchError = error instanceof Error ? error.message : 'Searching did not work. Try again.';
      return false;
    } finally {
      this.searching = false;
    }
  }

  addPerson(person: Person): void {
    if (this.full) return;
    this.list.push({
      userId: person.id,
      name: person.name,
      agencyId: person.agencyId,
      agencyName: person.agencyName,
      hasKeys: person.hasKeys,
      needToKnowReason: '',
    });
  }

  /** Adds the named person outside Haven; false (with errors) when the name or agency is missing. */
  addExternal(): boolean {
    const name = this.externalName.trim();
    const agency = this.directory.find((a) => a.id === this.externalAgency);
    const errors: Record<string, string> = {};
    if (!name) errors['externalName'] = 'Enter the person’s name';
    else if (name.length > 200) errors['externalName'] = 'Name must be 200 characters or fewer';
    if (!agency) errors['externalAgency'] = 'Choose the person’s agency';
    else if (this.mode === 'share' && !agency.protocolSigned)
      errors['externalAgency'] = `${agency.name} has not signed the protocol, so information cannot be shared with them through Haven`;
    this.outside.reset();
    this.outside.fields = errors;
    if (Object.keys(errors).length > 0 || !agency || this.full) return false;
    this.list.push({ userId: null, name, agencyId: agency.id, agencyName: agency.name, hasKeys: false, needToKnowReason: '' });
    this.externalName = '';
    this.externalAgency = '';
    return true;
  }

  remove(index: number): void {
    this.list.splice(index, 1);
  }

  /** What the server takes: a need-to-know reason only where one is asked for. */
  body(): ParticipantBody[] {
    return this.list.map((p) => {
      const reason = this.needsReason(p) ? { needToKnowReason: p.needToKnowReason.trim() } : {};
      return p.userId ? { userId: p.userId, ...reason } : { externalName: p.name, agencyId: p.agencyId, ...reason };
    });
  }
}
