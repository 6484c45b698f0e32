// Lead practitioners: for an agency admin, who leads for the open child and whom they could
// appoint; for a practitioner, the children they lead (Home). The server decides who may see and
// change what; appointing or ending updates the open record so its page says who leads now.
import { children as api } from './api';
import { childIndex } from './children.svelte';
import { session } from './session.svelte';
import type { Child, LeadAdmin, LeadAppointment, LedChild } from './types';

export type LoadState = 'idle' | 'loading' | 'ready' | 'failed';

/** The record's summary of an appointment, as the server's record view gives it. */
function onRecord(lead: LeadAppointment): NonNullable<Child['leadPractitioner']> {
  return { user: lead.user, agency: { id: lead.agency.id, name: lead.agency.name }, since: lead.appointedAt, agencyInvolved: lead.agencyInvolved };
}

class LeadPractitionerState {
  /** The open child's appointment and candidates, for its agency admins. */
  childId = $state<string | null>(null);
  admin = $state.raw<LeadAdmin | null>(null);
  load = $state<LoadState>('idle');
  /** The children this practitioner leads, for Home. */
  led = $state.raw<LedChild[]>([]);
  ledLoad = $state<LoadState>('idle');

  constructor() {
    session.onEnd(() => {
      this.childId = null;
      this.admin = null;
      this.load = 'idle';
      this.led = [];
      this.ledLoad = 'idle';
    });
  }

  /** A child's records were destroyed under the retention schedule. */
  forget(childId: string): void {
    this.led = this.led.filter((c) => c.id !== childId);
    if (this.childId === childId) {
      this.childId = null;
      this.admin = null;
    }
  }

  async loadFor(childId: string): Promise<void> {
    if (this.childId !== childId) this.admin = null;
    this.childId = childId;
    this.load = 'loading';
    try {
      const admin = await api.lead(childId);
      if (this.childId !== childId) return;
      this.admin = admin;
      this.load = 'ready';
    } catch {
      if (this.childId === childId) this.load = 'failed';
    }
  }

  async appoint(child: Child, userId: string, reason: string): Promise<void> {
    const { lead } = await api.appointLead(child.id, { userId, reason });
    childIndex.changed({ ...child, leadPractitioner: onRecord(lead) }, `${lead.user.name} is now lead practitioner for ${child.name}.`);
    await this.loadFor(child.id);
  }

  async end(child: Child, reason: string): Promise<void> {
    await api.endLead(child.id, reason);
    childIndex.changed({ ...child, leadPractitioner: null }, `${child.name} has no lead practitioner now.`);
    await this.loadFor(child.id);
  }

  async refreshLed(): Promise<void> {
    this.ledLoad = 'loading';
    try {
      this.led = (await api.led()).children;
      this.ledLoad = 'ready';
    } catch {
      this.ledLoad = 'failed';
    }
  }
}

export const leadPractitioner = new LeadPractitionerState();
