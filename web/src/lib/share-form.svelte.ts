// Pieces both share-log forms use: when it happened, the ids a retry keeps, and turning the
// server's issue paths into the form's field names.
import { ApiError } from './api';
import type { FieldErrors } from './form.svelte';
import { MAX_PARTICIPANTS, type ParticipantList } from './participants.svelte';
import { isoInstant, localInstant, todayIso } from './validate';

/** Field names for each participant's need-to-know reason, by position (as the server's paths are). */
export const PARTICIPANT_FIELDS = ['participants', ...Array.from({ length: MAX_PARTICIPANTS }, (_, i) => `participants-${i}-needToKnowReason`)];

/** A random UUID, also where `crypto.randomUUID` is missing (a page not served over https). */
export function newId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The date and time something happened, in the user's time zone; never in the future. */
export class WhenDraft {
  date = $state(todayIso());
  time = $state('');

  /** The instant in milliseconds, or null when the date or time is not a real one. */
  instant(): number | null {
    return localInstant(this.date, this.time);
  }

  check(errors: FieldErrors, what: string): void {
    if (this.date === '') errors['occurredAt'] = `Enter the date ${what}`;
    if (this.time === '') errors['occurredAtTime'] = `Enter the time ${what}`;
    if (errors['occurredAt'] || errors['occurredAtTime']) return;
    const when = this.instant();
    if (when === null) errors['occurredAt'] = 'Enter a real date and time';
    else if (when > Date.now()) errors[this.date > todayIso() ? 'occurredAt' : 'occurredAtTime'] = 'The date and time must be in the past';
  }

  iso(): string {
    const when = this.instant();
    if (when === null) throw new Error('checked before use');
    return isoInstant(when);
  }
}

/** Participants checks: at least one when `required`, and each reason asked for long enough. */
export function checkParticipants(errors: FieldErrors, list: ParticipantList, required: string | null): void {
  if (required && list.list.length === 0) errors['participants'] = required;
  list.list.forEach((p, i) => {
    if (!list.needsReason(p)) return;
    const reason = p.needToKnowReason.trim();
    const field = `participants-${i}-needToKnowReason`;
    if (reason.length < 10) errors[field] = `Say in at least 10 characters why ${p.name} needs to know`;
    else if (reason.length > 1000) errors[field] = 'The reason must be 1000 characters or fewer';
  });
}

/**
 * Rewrites the server's issue paths (`record.consent.exemption`, `participants.0.needToKnowReason`)
 * as this form's field names, so FormState puts each message beside its field.
 */
export function withFieldPaths(error: unknown, field: (path: string) => string | undefined): unknown {
  if (!(error instanceof ApiError) || error.issues.length === 0) return error;
  const issues = error.issues.map((issue) => {
    const [head, index, leaf] = issue.path.split('.');
    let name: string | undefined;
    if (head === 'participants') name = leaf === 'needToKnowReason' ? `participants-${index}-needToKnowReason` : 'participants';
    else if (head === 'occurredAt') name = 'occurredAt';
    else name = field(issue.path);
    return { path: name ?? issue.path, message: issue.message };
  });
  return new ApiError(error.status, error.code, error.message, issues, error.retryAfterSeconds, error.extra);
}
