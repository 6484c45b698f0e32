// System admin view of agencies and whether each has signed the protocol.
import { ApiError, agencies } from './api';
import type { Agency, AgencyKind } from './types';

export class AgenciesState {
  list = $state<Agency[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);
  announcement = $state('');

  async load(): Promise<void> {
    this.loading = true;
    this.error = null;
    try {
      this.list = sortByName((await agencies.list()).agencies);
    } catch (error) {
      this.error = error instanceof ApiError ? error.message : 'The list of agencies could not be loaded.';
    } finally {
      this.loading = false;
    }
  }

  async create(body: { name: string; kind: AgencyKind; contactEmail?: string }): Promise<void> {
    const { agency } = await agencies.create(body);
    this.list = sortByName([...this.list, agency]);
    this.announcement = 'Agency registered';
  }

  async setSigned(id: string, signedOn: string): Promise<void> {
    this.replace((await agencies.setProtocol(id, { signed: true, signedOn })).agency);
    this.announcement = 'Protocol recorded as signed';
  }

  async setNotSigned(id: string): Promise<void> {
    this.replace((await agencies.setProtocol(id, { signed: false })).agency);
    this.announcement = 'Protocol recorded as not signed';
  }

  private replace(agency: Agency): void {
    this.list = this.list.map((a) => (a.id === agency.id ? agency : a));
  }
}

function sortByName(list: Agency[]): Agency[] {
  return [...list].sort((a, b) => a.name.localeCompare(b.name));
}
