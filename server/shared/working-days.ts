/**
 * Working-day arithmetic for the protocol's timescales (configuration, not code: DESIGN §1
 * "Legal note"). Days are calendar days in England; Saturdays, Sundays and the configured
 * non-working dates (bank holidays, office closures) do not count.
 */
import { localDate } from './clock';

export interface WorkingCalendar {
  /** YYYY-MM-DD dates that are not working days besides weekends. */
  nonWorkingDays: ReadonlySet<string>;
}

function isWorkingDay(date: Date, calendar: WorkingCalendar): boolean {
  const day = localDate(date);
  const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !calendar.nonWorkingDays.has(day);
}

/**
 * The moment `days` working days after `from`, at the same time of day: an emergency share on
 * Friday at 10:00 with 3 working days is due on Wednesday at 10:00 (Monday, Tuesday, Wednesday).
 * Steps in whole days of 24 h, which is exact except across a clock change, where the due time
 * moves by that hour — harmless for a deadline of days.
 */
export function addWorkingDays(from: Date, days: number, calendar: WorkingCalendar): Date {
  if (!Number.isInteger(days) || days < 0) throw new RangeError('days must be a whole number of 0 or more');
  let current = new Date(from.getTime());
  let counted = 0;
  while (counted < days) {
    current = new Date(current.getTime() + 86_400_000);
    if (isWorkingDay(current, calendar)) counted += 1;
  }
  return current;
}
