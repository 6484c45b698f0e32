import { z } from 'zod';
import type { MailKind } from './mail-content';

/**
 * Who hears what by e-mail, and when (docs/notifications.md, "Preferences and quiet hours").
 * Pure: the caller reads the person's choices, their agency's defaults and the time.
 *
 * A person chooses whether new messages and written-record reminders come by e-mail, how often
 * new messages are gathered, and quiet hours. What they cannot turn off: notices about their
 * account's security (a sign-in, a suspension), and a written record past its deadline or its
 * escalation — the protocol's timescales are about a child at risk of offending, and the next
 * step after a missed e-mail is a missed deadline. Those also come through quiet hours.
 */

/** Quiet hours are wall-clock times in the county's time zone (as are deadlines and working days). */
export const INSTALLATION_TIME_ZONE = 'Europe/London';

export const DIGEST_FREQUENCIES = ['quarter_hour', 'hourly', 'daily'] as const;
export type DigestFrequency = (typeof DIGEST_FREQUENCIES)[number];

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day as HH:MM, e.g. 21:30');

export const quietHoursSchema = z
  .object({ start: clockTime, end: clockTime })
  .strict()
  .refine((q) => q.start !== q.end, { message: 'Quiet hours need an end different from their start', path: ['end'] });

/** One set of choices, complete: a person's own, an agency's defaults, or the installation's. */
export const notificationPreferencesSchema = z
  .object({
    /** New secure messages, gathered into a digest. */
    messages: z.boolean(),
    /** A written record's deadline coming up (designated officers). */
    recordReminders: z.boolean(),
    digest: z.enum(DIGEST_FREQUENCIES, { message: 'expected quarter_hour, hourly or daily' }),
    quietHours: quietHoursSchema.nullable(),
  })
  .strict();

export type NotificationPreferences = z.infer<typeof notificationPreferencesSchema>;
export type QuietHours = NonNullable<NotificationPreferences['quietHours']>;

/** What everyone gets until they or their agency choose otherwise: every notice, every 15 minutes, any hour. */
export const INSTALLATION_DEFAULTS: NotificationPreferences = { messages: true, recordReminders: true, digest: 'quarter_hour', quietHours: null };

/** A person's own choices win over their agency's defaults, which win over the installation's. */
export function effectivePreferences(own: NotificationPreferences | null, agency: NotificationPreferences | null): NotificationPreferences {
  return own ?? agency ?? INSTALLATION_DEFAULTS;
}

/** The notices a person may turn off, and the choice that turns each off. */
const OPTIONAL: Partial<Record<MailKind, keyof Pick<NotificationPreferences, 'messages' | 'recordReminders'>>> = {
  new_messages: 'messages',
  obligation_reminder: 'recordReminders',
};

/** The notices quiet hours hold; every other one goes at once (security, overdue records, escalations). */
const HELD_IN_QUIET_HOURS: ReadonlySet<MailKind> = new Set<MailKind>(['new_messages', 'obligation_reminder', 'account_verified', 'account_reinstated']);

export function canTurnOff(kind: MailKind): boolean {
  return OPTIONAL[kind] !== undefined;
}

export function heldInQuietHours(kind: MailKind): boolean {
  return HELD_IN_QUIET_HOURS.has(kind);
}

/** How long new messages are gathered; "every 15 minutes" is the installation's period (HAVEN_MAIL_DIGEST_MINUTES). */
export function digestPeriodMs(frequency: DigestFrequency, installationMinutes: number): number {
  if (frequency === 'hourly') return Math.max(60, installationMinutes) * 60_000;
  if (frequency === 'daily') return 24 * 60 * 60_000;
  return installationMinutes * 60_000;
}

export type PreferenceDecision = { action: 'send' } | { action: 'skip'; why: string } | { action: 'hold'; until: Date };

/** At send time, for a notice to a person with these preferences: send it, drop it, or hold it until quiet hours end. */
export function decideByPreferences(kind: MailKind, prefs: NotificationPreferences, now: Date, timeZone: string): PreferenceDecision {
  const choice = OPTIONAL[kind];
  if (choice && !prefs[choice]) return { action: 'skip', why: 'turned off by the person' };
  if (prefs.quietHours && heldInQuietHours(kind)) {
    const until = quietHoursEnd(now, prefs.quietHours, timeZone);
    if (until) return { action: 'hold', until };
  }
  return { action: 'send' };
}

const MINUTE = 60_000;

function minutesOf(time: string): number {
  const [h, m] = time.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

// Making a formatter costs far more than using one.
const clocks = new Map<string, Intl.DateTimeFormat>();
function clockIn(timeZone: string): Intl.DateTimeFormat {
  let clock = clocks.get(timeZone);
  if (!clock) clocks.set(timeZone, (clock = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
  return clock;
}

/** The wall-clock time at `at` in the time zone, as minutes since midnight. */
export function localMinutes(at: Date, timeZone: string): number {
  const parts = clockIn(timeZone).formatToParts(at);
  const hour = Number(parts.find((p) => p.type === 'hour')?.value);
  const minute = Number(parts.find((p) => p.type === 'minute')?.value);
  return hour * 60 + minute;
}

export function inQuietHours(at: Date, quiet: QuietHours, timeZone: string): boolean {
  const m = localMinutes(at, timeZone);
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  // Across midnight (22:00–07:00) or within a day (13:00–14:00).
  return start < end ? m >= start && m < end : m >= start || m < end;
}

/**
 * The first instant at or after `now` outside the quiet hours, or null when `now` is outside them.
 * Walks forward to the end's wall-clock minute, then to the exact minute boundary: a clock change
 * inside the quiet hours (the last Sunday of March or October) moves the end by an hour, and an
 * end inside the hour that does not exist in spring comes at the first minute after it.
 */
export function quietHoursEnd(now: Date, quiet: QuietHours, timeZone: string): Date | null {
  if (!inQuietHours(now, quiet, timeZone)) return null;
  const ahead = (minutesOf(quiet.end) - localMinutes(now, timeZone) + 24 * 60) % (24 * 60);
  // The wall clock's distance to the end, less an hour in case the clocks go back meanwhile; then minute by minute.
  let at = new Date(Math.floor(now.getTime() / MINUTE) * MINUTE + Math.max(0, ahead - 60) * MINUTE);
  for (let i = 0; i < 3 * 60 && inQuietHours(at, quiet, timeZone); i++) at = new Date(at.getTime() + MINUTE);
  return at.getTime() < now.getTime() ? now : at;
}
