// Second-factor enrolment: fetch a fresh secret once, then confirm a code from it.
import { ApiError } from './api';
import { session } from './session.svelte';
import type { Enrolment } from './types';

export class EnrolmentState {
  details = $state<Enrolment | null>(null);
  loadError = $state<string | null>(null);
  loading = $state(false);

  async start(): Promise<void> {
    this.loading = true;
    this.loadError = null;
    try {
      this.details = await session.startEnrolment();
    } catch (error) {
      this.loadError = error instanceof ApiError ? error.message : 'The set-up details could not be loaded. Try again.';
    } finally {
      this.loading = false;
    }
  }

  confirm(code: string): Promise<void> {
    return session.confirmEnrolment(code.replace(/\s/g, ''));
  }
}
