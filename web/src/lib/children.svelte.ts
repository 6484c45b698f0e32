// The children's index as one practitioner sees it: the last search, and the one record
// they opened with a stated reason. The record lives in memory only, so reloading the page
// asks for the reason again, and signing out (or another user signing in) forgets it all.
import { ApiError, children as api, type ContactChange } from './api';
import { session } from './session.svelte';
import type { Child, ChildSearchResult, NewChildBody, PossibleDuplicate } from './types';

export const LEFT_INDEX =
  'This child has left the index: no agency now provides a service to them and no concern about them is open, so their record is no longer shown.';

export interface SearchTerms {
  name: string;
  dateOfBirth: string;
  postcode: string;
}

/** The entries offered by a 409 `possible_duplicate`, or null for any other error. */
export function duplicatesOf(error: unknown): PossibleDuplicate[] | null {
  if (!(error instanceof ApiError) || error.code !== 'possible_duplicate') return null;
  const list = error.extra['duplicates'];
  if (!Array.isArray(list)) return [];
  return list.filter(
    (d): d is PossibleDuplicate =>
      typeof d === 'object' &&
      d !== null &&
      ['id', 'name', 'dateOfBirth', 'postcodeDistrict'].every((key) => typeof (d as Record<string, unknown>)[key] === 'string'),
  );
}

class ChildrenState {
  /** The search form's values, kept while the user moves between search and record. */
  terms = $state<SearchTerms>({ name: '', dateOfBirth: '', postcode: '' });
  results = $state<ChildSearchResult | null>(null);
  /** The record opened with a reason (or just added, or seen through an override). */
  record = $state<Child | null>(null);
  /** Shown on the search screen, e.g. after the open record left the index. */
  notice = $state<string | null>(null);
  /** The outcome of the last action on the record, for its success banner. */
  done = $state<{ seq: number; text: string } | null>(null);
  /** A record identifier to offer on the override screen (the record the user just shielded). */
  overrideId = $state('');
  /** Names of the children whose records were opened in this session, for the conversations list. */
  names = $state<Record<string, string>>({});

  private seq = 0;

  constructor() {
    session.onEnd(() => this.clear());
  }

  clear(): void {
    this.terms = { name: '', dateOfBirth: '', postcode: '' };
    this.results = null;
    this.record = null;
    this.notice = null;
    this.done = null;
    this.overrideId = '';
    this.names = {};
  }

  /** The child's records were destroyed under the retention schedule: nothing about them stays in this session. */
  forget(childId: string): void {
    delete this.names[childId];
    if (this.record?.id === childId) {
      this.record = null;
      this.done = null;
    }
    if (this.results) this.results = { ...this.results, children: this.results.children.filter((c) => c.id !== childId) };
    if (this.overrideId === childId) this.overrideId = '';
  }

  async search(terms: SearchTerms): Promise<void> {
    this.notice = null;
    this.results = await api.search({
      name: terms.name.trim() || undefined,
      dateOfBirth: terms.dateOfBirth || undefined,
      postcode: terms.postcode.trim() || undefined,
    });
  }

  /** Opening always states a reason, which the server keeps in the audit log. */
  async open(id: string, reason: string): Promise<void> {
    this.show((await api.open(id, reason)).child);
  }

  async override(id: string, reason: string): Promise<void> {
    this.show((await api.override(id, reason)).child);
  }

  async create(body: NewChildBody): Promise<void> {
    this.show((await api.create(body)).child);
  }

  confirmDetails = () => this.apply(api.confirmDetails(this.id), 'You confirmed the details are current.');
  startService = () => this.apply(api.startInvolvement(this.id), 'Your agency is recorded as providing a service to this child.');
  endService = () => this.apply(api.endInvolvement(this.id), 'Your agency is no longer recorded as providing a service to this child.');
  raiseConcern = () => this.apply(api.raiseConcern(this.id), 'You raised a flag of concern.');
  clearConcern = (flagId: string) => this.apply(api.clearConcern(this.id, flagId), 'The flag of concern is cleared.');
  addContact = (body: { service: string; contact: string }) => this.apply(api.addContact(this.id, body), 'The specialist contact is added.');
  shield = (reason: string) =>
    this.apply(
      api.shield(this.id, reason),
      'This record is now shielded. It is hidden from searches and from everyone who opens records, including you once you leave this page.',
    );
  unshield = (reason: string) => this.apply(api.unshield(this.id, reason), 'The shield is removed from this record.');

  changeContact(contactId: string, change: ContactChange, reason: string): Promise<boolean> {
    const text =
      change === 'shield' ? 'The contact is shielded.' : change === 'unshield' ? 'The shield is removed from the contact.' : 'The contact is removed.';
    return this.apply(api.changeContact(this.id, contactId, change, reason), text);
  }

  /** Shows a change made elsewhere (the offending-risk mark) with its success banner. */
  changed(child: Child, text: string): void {
    this.record = child;
    this.done = { seq: ++this.seq, text };
  }

  private get id(): string {
    if (!this.record) throw new Error('no record is open');
    return this.record.id;
  }

  private show(child: Child): void {
    this.record = child;
    this.names[child.id] = child.name;
    this.notice = null;
    this.done = null;
  }

  /** Applies an action's answer; false when the child left the index and the record closed. */
  private async apply(answer: Promise<{ child: Child | null }>, text: string): Promise<boolean> {
    const { child } = await answer;
    if (!child) {
      this.record = null;
      this.done = null;
      this.notice = LEFT_INDEX;
      return false;
    }
    this.record = child;
    this.done = { seq: ++this.seq, text };
    return true;
  }
}

export const childIndex = new ChildrenState();
