// Error state of one form, GOV.UK pattern: an error summary (role="alert") that
// receives focus, plus a message next to each field, linked by aria-describedby.
import { tick } from 'svelte';
import { ApiError } from './api';

export type FieldErrors = Record<string, string>;

export class FormState {
  busy = $state(false);
  message = $state<string | null>(null);
  fields = $state<FieldErrors>({});
  readonly summaryId: string;

  constructor(
    readonly id: string,
    private readonly fieldNames: readonly string[] = [],
  ) {
    this.summaryId = `${id}-error-summary`;
  }

  get hasErrors(): boolean {
    return this.message !== null || Object.keys(this.fields).length > 0;
  }

  fieldId(name: string): string {
    return `${this.id}-${name}`;
  }

  errorId(name: string): string {
    return `${this.fieldId(name)}-error`;
  }

  /** The ids that describe a field: its hint, its own error, a form-level error. */
  describedBy(name: string, hintId?: string): string | undefined {
    const ids = [hintId, this.fields[name] ? this.errorId(name) : undefined, this.message ? this.summaryId : undefined];
    const text = ids.filter(Boolean).join(' ');
    return text || undefined;
  }

  reset(): void {
    this.message = null;
    this.fields = {};
  }

  /** Validates, then runs the action; shows and focuses errors. Returns true on success. */
  async submit(validate: () => FieldErrors, action: () => Promise<void>): Promise<boolean> {
    if (this.busy) return false;
    this.reset();
    const errors = validate();
    if (Object.keys(errors).length > 0) {
      this.fields = errors;
      await this.focusSummary();
      return false;
    }
    this.busy = true;
    // The submit button is disabled while busy, which drops keyboard focus to the page.
    const focused = document.activeElement;
    try {
      await action();
      return true;
    } catch (error) {
      this.fail(error);
      await this.focusSummary();
      return false;
    } finally {
      this.busy = false;
      void this.restoreFocus(focused);
    }
  }

  fail(error: unknown): void {
    if (!(error instanceof ApiError)) {
      this.message = 'Something went wrong. Try again.';
      console.error(error);
      return;
    }
    const fields: FieldErrors = {};
    const other: string[] = [];
    for (const issue of error.issues) {
      // A nested path (parents.0.name) matches a field named parents-0-name, else its last part.
      const full = issue.path.replaceAll('.', '-');
      const name = this.fieldNames.includes(full) ? full : (issue.path.split('.').at(-1) ?? '');
      if (this.fieldNames.includes(name) && !fields[name]) fields[name] = issue.message;
      else other.push(issue.message);
    }
    this.fields = fields;
    const unmatched = other.length > 0 ? other.join(' ') : null;
    // The server's message already says how long to wait after a lockout (retryAfterSeconds).
    this.message = Object.keys(fields).length > 0 ? unmatched : error.message;
  }

  /** Gives focus back to what had it, if nothing else took it (an error summary, a new screen's heading, a banner). */
  private async restoreFocus(element: Element | null): Promise<void> {
    await tick();
    const lost = document.activeElement === null || document.activeElement === document.body;
    if (lost && element instanceof HTMLElement && element.isConnected) element.focus();
  }

  private async focusSummary(): Promise<void> {
    await tick();
    document.getElementById(this.summaryId)?.focus();
  }
}
