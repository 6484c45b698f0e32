// Subject access requests about a child (admins): recording one with the date it was received
// (it is due one calendar month later), the list with what is open or overdue, the export as
// a printable page or as data, and marking a request answered.
import { ApiError } from './api';
import { subjectAccess as api } from './api-admin';
import { formatDate } from './format';
import { FormState } from './form.svelte';
import type { Requester, SubjectAccessRequest } from './types';
import { Checks } from './validate';

export const REQUESTER_LABELS: Record<Requester, string> = {
  child: 'The child',
  parent: 'A parent',
  representative: 'A representative (for example a solicitor)',
};

export const STATUS_LABELS: Record<SubjectAccessRequest['status'], { text: string; colour: string }> = {
  open: { text: 'Open', colour: 'yellow' },
  overdue: { text: 'Overdue', colour: 'red' },
  completed: { text: 'Answered', colour: 'green' },
};

export interface NewRequest {
  childId: string;
  requestedOn: string;
  requestedBy: string;
}

export class SubjectAccessState {
  requests = $state.raw<SubjectAccessRequest[] | null>(null);
  loadError = $state<string | null>(null);
  /** The outcome of the last action, for the success banner. */
  done = $state<{ seq: number; text: string } | null>(null);
  /** A request that could not be marked answered, and why. */
  completeError = $state<{ id: string; message: string } | null>(null);
  readonly form = new FormState('subject-access', ['childId', 'requestedOn', 'requestedBy']);
  private seq = 0;

  async load(): Promise<void> {
    this.loadError = null;
    try {
      this.requests = (await api.list()).requests;
    } catch (error) {
      this.loadError = error instanceof ApiError ? error.message : 'The requests could not be loaded. Reload the page to try again.';
    }
  }

  record(input: NewRequest): Promise<boolean> {
    const childId = input.childId.trim().toLowerCase();
    return this.form.submit(
      () =>
        new Checks()
          .identifier('childId', childId, 'Enter the child’s record identifier')
          .date('requestedOn', input.requestedOn, 'Enter the date the request was received', { notFuture: true })
          .required('requestedBy', input.requestedBy, 'Select who made the request').errors,
      async () => {
        const { request } = await api.create({ childId, requestedOn: input.requestedOn, requestedBy: input.requestedBy as Requester });
        this.requests = [request, ...(this.requests ?? []).filter((r) => r.id !== request.id)];
        this.announce(`The request is recorded. It must be answered by ${formatDate(request.dueOn)}.`);
      },
    );
  }

  async complete(id: string): Promise<void> {
    this.completeError = null;
    try {
      const { request } = await api.complete(id);
      this.requests = (this.requests ?? []).map((r) => (r.id === id ? request : r));
      this.announce('The request is marked as answered.');
    } catch (error) {
      this.completeError = { id, message: error instanceof ApiError ? error.message : 'The request could not be marked as answered. Try again.' };
    }
  }

  private announce(text: string): void {
    this.done = { seq: ++this.seq, text };
  }
}
