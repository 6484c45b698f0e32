import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAIL_KINDS } from '../../server/notifications/mail-content';
import {
  INSTALLATION_DEFAULTS,
  canTurnOff,
  decideByPreferences,
  digestPeriodMs,
  effectivePreferences,
  heldInQuietHours,
  inQuietHours,
  localMinutes,
  notificationPreferencesSchema,
  quietHoursEnd,
  type NotificationPreferences,
  type QuietHours,
} from '../../server/notifications/preference-rules';

const MINUTE = 60_000;
const LONDON = 'Europe/London';
const at = (iso: string) => new Date(iso);
const prefs = (more: Partial<NotificationPreferences>): NotificationPreferences => ({ ...INSTALLATION_DEFAULTS, ...more });
const night: QuietHours = { start: '22:00', end: '07:00' };

describe('which notices a person may turn off', () => {
  it('messages and written-record reminders only; security notices, overdue records and escalations never', () => {
    expect(MAIL_KINDS.filter(canTurnOff)).toEqual(['new_messages', 'obligation_reminder']);
  });

  it('a turned-off notice is skipped, whatever the hour; everything else still goes', () => {
    const off = prefs({ messages: false, recordReminders: false });
    for (const kind of MAIL_KINDS) {
      const decision = decideByPreferences(kind, off, at('2026-12-04T12:00:00Z'), LONDON);
      expect(decision.action, kind).toBe(canTurnOff(kind) ? 'skip' : 'send');
    }
  });

  it('a person’s own choices win over their agency’s defaults, which win over the installation’s', () => {
    const own = prefs({ digest: 'daily' });
    const agency = prefs({ digest: 'hourly' });
    expect(effectivePreferences(own, agency)).toBe(own);
    expect(effectivePreferences(null, agency)).toBe(agency);
    expect(effectivePreferences(null, null)).toEqual(INSTALLATION_DEFAULTS);
  });
});

describe('how often messages are gathered', () => {
  it('every 15 minutes is the installation’s period; hourly at least an hour; daily a day', () => {
    expect(digestPeriodMs('quarter_hour', 15)).toBe(15 * MINUTE);
    expect(digestPeriodMs('quarter_hour', 5)).toBe(5 * MINUTE);
    expect(digestPeriodMs('hourly', 15)).toBe(60 * MINUTE);
    expect(digestPeriodMs('hourly', 90)).toBe(90 * MINUTE);
    expect(digestPeriodMs('daily', 15)).toBe(24 * 60 * MINUTE);
  });
});

describe('the preferences a client may send', () => {
  it('refuses anything but complete, well-formed choices', () => {
    expect(notificationPreferencesSchema.safeParse(INSTALLATION_DEFAULTS).success).toBe(true);
    expect(notificationPreferencesSchema.safeParse(prefs({ quietHours: night })).success).toBe(true);
    for (const bad of [
      {},
      { ...INSTALLATION_DEFAULTS, digest: 'weekly' },
      { ...INSTALLATION_DEFAULTS, messages: 'yes' },
      { ...INSTALLATION_DEFAULTS, quietHours: { start: '24:00', end: '07:00' } },
      { ...INSTALLATION_DEFAULTS, quietHours: { start: '7:00', end: '08:00' } },
      { ...INSTALLATION_DEFAULTS, quietHours: { start: '07:00', end: '07:00' } },
      { ...INSTALLATION_DEFAULTS, quietHours: { start: '22:00', end: '07:00', extra: 1 } },
      { ...INSTALLATION_DEFAULTS, escalations: false },
    ]) {
      expect(notificationPreferencesSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('quiet hours', () => {
  it('across midnight and within a day, in the installation’s time zone', () => {
    // 22:30 in London in winter is 22:30 UTC; in summer 21:30 UTC.
    expect(inQuietHours(at('2026-12-04T22:30:00Z'), night, LONDON)).toBe(true);
    expect(inQuietHours(at('2026-07-04T21:30:00Z'), night, LONDON)).toBe(true);
    expect(inQuietHours(at('2026-07-04T22:30:00Z'), night, LONDON)).toBe(true);
    expect(inQuietHours(at('2026-07-04T20:59:00Z'), night, LONDON)).toBe(false);
    expect(inQuietHours(at('2026-12-04T06:59:00Z'), night, LONDON)).toBe(true);
    expect(inQuietHours(at('2026-12-04T07:00:00Z'), night, LONDON)).toBe(false);
    const lunch: QuietHours = { start: '13:00', end: '14:00' };
    expect(inQuietHours(at('2026-12-04T13:00:00Z'), lunch, LONDON)).toBe(true);
    expect(inQuietHours(at('2026-12-04T14:00:00Z'), lunch, LONDON)).toBe(false);
    expect(inQuietHours(at('2026-12-04T12:59:00Z'), lunch, LONDON)).toBe(false);
  });

  it('hold a message digest or a reminder until they end; a sign-in, a suspension, an overdue record or an escalation goes at once', () => {
    const now = at('2026-12-04T23:10:00Z');
    for (const kind of MAIL_KINDS) {
      const decision = decideByPreferences(kind, prefs({ quietHours: night }), now, LONDON);
      if (heldInQuietHours(kind)) expect(decision, kind).toEqual({ action: 'hold', until: at('2026-12-05T07:00:00Z') });
      else expect(decision, kind).toEqual({ action: 'send' });
    }
    expect(['new_sign_in', 'account_suspended', 'obligation_overdue', 'obligation_escalation', 'invitation'].some((k) => heldInQuietHours(k as never))).toBe(
      false,
    );
  });

  it('end at 07:00 local time on the nights the clocks change', () => {
    // Clocks go forward at 01:00 UTC on 29 March 2026: 07:00 is then 06:00 UTC.
    expect(quietHoursEnd(at('2026-03-28T23:00:00Z'), night, LONDON)).toEqual(at('2026-03-29T06:00:00Z'));
    // Clocks go back at 01:00 UTC on 25 October 2026: 07:00 is then 07:00 UTC, nine hours after 22:00 BST.
    expect(quietHoursEnd(at('2026-10-24T21:00:00Z'), night, LONDON)).toEqual(at('2026-10-25T07:00:00Z'));
  });

  it('an end inside the hour the clocks skip comes at the first minute after it', () => {
    const skipped: QuietHours = { start: '00:30', end: '01:30' };
    // 00:45 GMT on 29 March; 01:00 GMT becomes 02:00 BST, so 01:30 never happens that night.
    expect(quietHoursEnd(at('2026-03-29T00:45:00Z'), skipped, LONDON)).toEqual(at('2026-03-29T01:00:00Z'));
    expect(localMinutes(at('2026-03-29T01:00:00Z'), LONDON)).toBe(2 * 60);
  });

  it('for any time and any quiet hours, the end is the first minute outside them, every minute before it inside, within a day', () => {
    const time = fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
    const quiet = fc.tuple(time, time).filter(([s, e]) => s !== e);
    // All of 2026 and 2027, both clock changes each year included, at minute resolution.
    const moment = fc
      .integer({ min: Date.parse('2026-01-01T00:00:00Z') / MINUTE, max: Date.parse('2027-12-31T00:00:00Z') / MINUTE })
      .map((m) => new Date(m * MINUTE));
    const zone = fc.constantFrom(LONDON, 'UTC', 'America/New_York');
    fc.assert(
      fc.property(moment, quiet, zone, (now, [start, end], timeZone) => {
        const q = { start, end };
        const until = quietHoursEnd(now, q, timeZone);
        if (!inQuietHours(now, q, timeZone)) return until === null;
        if (!until) return false;
        if (inQuietHours(until, q, timeZone)) return false;
        if (until.getTime() - now.getTime() > 25 * 60 * MINUTE) return false;
        for (let t = now.getTime(); t < until.getTime(); t += MINUTE) if (!inQuietHours(new Date(t), q, timeZone)) return false;
        return true;
      }),
      { numRuns: 400 },
    );
  });
});
