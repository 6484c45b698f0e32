// Client-side checks with GOV.UK-style messages. The server checks again.
import type { FieldErrors } from './form.svelte';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class Checks {
  readonly errors: FieldErrors = {};

  private add(name: string, message: string): void {
    if (!this.errors[name]) this.errors[name] = message;
  }

  required(name: string, value: string, message: string): this {
    if (value.trim() === '') this.add(name, message);
    return this;
  }

  /** A free-text reason: required, and long enough to mean something. */
  reason(name: string, value: string, emptyMessage: string): this {
    if (value.trim() === '') this.add(name, emptyMessage);
    else if (value.trim().length < 3) this.add(name, 'Reason must be 3 characters or more');
    else if (value.trim().length > 1000) this.add(name, 'Reason must be 1000 characters or fewer');
    return this;
  }

  /** A record identifier (a uuid), as shown on a child's record. */
  identifier(name: string, value: string, emptyMessage: string): this {
    if (value.trim() === '') this.add(name, emptyMessage);
    else if (!UUID.test(value.trim())) this.add(name, 'Enter the record identifier exactly as it is shown on the record, like 3f2b9c1e-…');
    return this;
  }

  email(name: string, value: string, emptyMessage: string): this {
    if (value.trim() === '') this.add(name, emptyMessage);
    else if (!EMAIL.test(value.trim())) this.add(name, 'Enter an email address in the correct format, like name@example.org');
    return this;
  }

  newPassword(name: string, value: string): this {
    if (value === '') this.add(name, 'Enter a password');
    else if (value.length < 12) this.add(name, 'Password must be 12 characters or more');
    else if (value.length > 200) this.add(name, 'Password must be 200 characters or fewer');
    return this;
  }

  code(name: string, value: string): this {
    const digits = value.replace(/\s/g, '');
    if (digits === '') this.add(name, 'Enter the 6-digit code from your authenticator app');
    else if (!/^\d{6}$/.test(digits)) this.add(name, 'The code must be 6 digits, like 123456');
    return this;
  }

  date(name: string, value: string, emptyMessage: string, options: { notFuture?: boolean } = {}): this {
    if (value === '') this.add(name, emptyMessage);
    else if (!DATE.test(value)) this.add(name, 'Enter a real date');
    else if (options.notFuture && value > todayIso()) this.add(name, 'The date must be today or in the past');
    return this;
  }
}

/** A Date's calendar day as YYYY-MM-DD in the user's time zone. */
function localDay(date: Date): string {
  const month = String(date.getMonth() + 1).padStart(2, '0');
  const day = String(date.getDate()).padStart(2, '0');
  return `${date.getFullYear()}-${month}-${day}`;
}

/** Today's date as YYYY-MM-DD in the user's time zone. */
export function todayIso(): string {
  return localDay(new Date());
}

/** A date and time in the user's time zone ("2026-11-26", "14:30") as epoch milliseconds; null unless both are real. */
export function localInstant(date: string, time: string): number | null {
  if (!DATE.test(date) || !/^\d{2}:\d{2}$/.test(time)) return null;
  const when = new Date(`${date}T${time}:00`);
  // Date rolls 30 February over into March; a real date comes back as itself.
  return Number.isNaN(when.getTime()) || localDay(when) !== date ? null : when.getTime();
}

export function isoInstant(ms: number): string {
  return new Date(ms).toISOString();
}
