// Subject access requests about a child (admins): recording one with the date it was received
// (it is due one calendar month later), the list with what is open or overdue, the export as
// a printable page or as data (downloaded here, showing how far it has got), and marking a
// request answered.
import { ApiError } from './api';
import { subjectAccess as api } from './api-admin';
import { formatDate } from './format';
import { FormState } from './form.svelte';
import { formatBytes, stepsUpTo, type ProgressStep } from './progress';
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

const EXPORT_STEPS = [
  'Haven gathers the child’s records and leaves out people whose identity is protected',
  'Receiving the export',
  'Handing it to your browser to save',
] as const;

/**
 * Downloading one request's export as data. The server builds it in one go, so until it answers
 * there is nothing to measure; after that the bytes received are real, when it gives a size.
 */
export class ExportDownload {
  /** The step under way (an index into the steps); past the last once saved. */
  step = $state<number | null>(null);
  received = $state(0);
  size = $state<number | null>(null);
  fileName = $state('');
  error = $state<string | null>(null);

  get busy(): boolean {
    return this.step !== null && this.step < EXPORT_STEPS.length;
  }

  get steps(): ProgressStep[] {
    return this.step === null ? [] : stepsUpTo(EXPORT_STEPS, this.step);
  }

  /** The bar: bytes received of the size once the server has answered with one; indeterminate before. */
  get measure(): { value: number | null; max: number } {
    if (this.step === null || this.step === 0) return { value: null, max: 1 };
    if (this.step >= EXPORT_STEPS.length) return { value: 1, max: 1 };
    return this.size === null ? { value: null, max: 1 } : { value: this.received, max: this.size };
  }

  get status(): string {
    switch (this.step) {
      case null:
        return '';
      case 0:
        return 'Preparing the export… Haven is gathering the records and leaving out protected people.';
      case 1:
        return this.size === null
          ? `Receiving the export… ${formatBytes(this.received)} so far`
          : `Receiving the export… ${formatBytes(this.received)} of ${formatBytes(this.size)}`;
      case 2:
        return 'Handing the export to your browser…';
      default:
        return `Done. Downloaded ${this.fileName} (${formatBytes(this.received)}).`;
    }
  }

  async start(requestId: string): Promise<void> {
    if (this.busy) return;
    this.step = 0;
    this.received = 0;
    this.size = null;
    this.error = null;
    this.fileName = `subject-access-${requestId}.json`;
    try {
      const blob = await api.download(requestId, {
        onResponse: (size) => {
          this.size = size;
          this.step = 1;
        },
        onBytes: (received) => (this.received = received),
      });
      this.received = blob.size;
      this.step = 2;
      saveFile(blob, this.fileName);
      this.step = EXPORT_STEPS.length;
    } catch (error) {
      this.step = null;
      this.error = error instanceof ApiError ? error.message : 'The export could not be downloaded. Try again.';
    }
  }
}

/** Hands a file made here to the browser's downloads. */
function saveFile(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later, not at once: the browser may still be reading it into the download.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
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
