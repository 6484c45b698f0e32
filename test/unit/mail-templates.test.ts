import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAIL_KINDS,
  RECOVERY_ALERT_STAGES,
  calendarDate,
  fromPayload,
  havenLink,
  inviteToken,
  payloadSchemas,
  toPayload,
  type EventContent,
  type HavenLink,
  type MailContent,
} from '../../server/notifications/mail-content';
import { renderMail } from '../../server/notifications/templates';

const link = havenLink({ PUBLIC_URL: 'https://haven.northmoor.example/', PORT: 3000 });
const token = inviteToken(randomBytes(32).toString('base64url'));

// Contents of every kind, with arbitrary counts, dates and rounds: the only things that vary.
const instant = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true });
const day = instant.map((d) => calendarDate(d.toISOString().slice(0, 10)));
const anyContent: fc.Arbitrary<MailContent> = fc.oneof(
  fc.nat({ max: 1_000_000 }).map((unread) => ({ kind: 'new_messages' as const, unread })),
  instant.map((expiresAt) => ({ kind: 'invitation' as const, token, expiresAt })),
  day.map((expiresOn) => ({ kind: 'account_verified' as const, expiresOn })),
  fc.constant({ kind: 'account_suspended' as const }),
  fc.constant({ kind: 'account_reinstated' as const }),
  instant.map((at) => ({ kind: 'new_sign_in' as const, at })),
  instant.map((expiresAt) => ({ kind: 'password_reset' as const, token, expiresAt })),
  instant.map((at) => ({ kind: 'password_changed' as const, at })),
  instant.map((expiresAt) => ({ kind: 'mfa_recovery_link' as const, token, expiresAt })),
  instant.map((at) => ({ kind: 'mfa_recovery_started' as const, at })),
  fc
    .tuple(instant, fc.boolean())
    .map(([at, byThePerson]) => (byThePerson ? { kind: 'mfa_recovery_cancelled' as const, at, byThePerson } : { kind: 'mfa_recovery_cancelled' as const, at })),
  fc.tuple(instant, fc.constantFrom(...RECOVERY_ALERT_STAGES)).map(([at, stage]) => ({ kind: 'mfa_recovery_admin_alert' as const, at, stage })),
  instant.map((at) => ({ kind: 'mfa_recovered' as const, at })),
  instant.map((dueAt) => ({ kind: 'obligation_reminder' as const, dueAt })),
  instant.map((dueAt) => ({ kind: 'obligation_overdue' as const, dueAt })),
  fc.tuple(instant, fc.integer({ min: 1, max: 10_000 })).map(([dueAt, round]) => ({ kind: 'obligation_escalation' as const, dueAt, round })),
);

const CALENDAR_WORDS = [
  ...['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
  ...['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
  'at',
];

/** The words an e-mail may use: those of the templates themselves, with fixed sample values, and calendar words. */
function vocabulary(): Set<string> {
  const samples: MailContent[] = [
    { kind: 'new_messages', unread: 1 },
    { kind: 'new_messages', unread: 2 },
    { kind: 'invitation', token, expiresAt: new Date('2026-12-04T12:00:00Z') },
    { kind: 'account_verified', expiresOn: calendarDate('2027-01-01') },
    { kind: 'account_suspended' },
    { kind: 'account_reinstated' },
    { kind: 'new_sign_in', at: new Date('2026-12-04T12:00:00Z') },
    { kind: 'password_reset', token, expiresAt: new Date('2026-12-04T12:00:00Z') },
    { kind: 'password_changed', at: new Date('2026-12-04T12:00:00Z') },
    { kind: 'mfa_recovery_link', token, expiresAt: new Date('2026-12-04T12:00:00Z') },
    { kind: 'mfa_recovery_started', at: new Date('2026-12-04T12:00:00Z') },
    ...RECOVERY_ALERT_STAGES.map((stage) => ({ kind: 'mfa_recovery_admin_alert' as const, at: new Date('2026-12-04T12:00:00Z'), stage })),
    { kind: 'mfa_recovery_cancelled', at: new Date('2026-12-04T12:00:00Z') },
    { kind: 'mfa_recovery_cancelled', at: new Date('2026-12-04T12:00:00Z'), byThePerson: true },
    { kind: 'mfa_recovered', at: new Date('2026-12-04T12:00:00Z') },
    { kind: 'obligation_reminder', dueAt: new Date('2026-12-04T12:00:00Z') },
    { kind: 'obligation_overdue', dueAt: new Date('2026-12-04T12:00:00Z') },
    { kind: 'obligation_escalation', dueAt: new Date('2026-12-04T12:00:00Z'), round: 1 },
    { kind: 'obligation_escalation', dueAt: new Date('2026-12-04T12:00:00Z'), round: 2 },
  ];
  const words = new Set(CALENDAR_WORDS);
  for (const sample of samples) for (const word of wordsOf(renderMail(sample, link))) words.add(word);
  return words;
}

/** Letters-only words, after taking out Haven's link (with its route) and the invitation token. */
function wordsOf(mail: { subject: string; text: string }): string[] {
  const text = `${mail.subject}\n${mail.text}`.replaceAll(token, ' ').replace(/https:\/\/haven\.northmoor\.example\/\S*/g, ' ');
  return text.match(/[A-Za-z]+/g) ?? [];
}

describe('e-mail templates are content-free', () => {
  it('every e-mail of every kind uses only the templates’ own words: counts, dates and rounds are all that vary', () => {
    const allowed = vocabulary();
    fc.assert(
      fc.property(anyContent, (content) => {
        const mail = renderMail(content, link);
        const stray = wordsOf(mail).filter((w) => !allowed.has(w));
        expect(stray).toEqual([]);
        // One link, to Haven itself.
        for (const url of `${mail.subject} ${mail.text}`.match(/https?:\/\/\S+/g) ?? []) expect(url.startsWith(`${link}/`)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('counts new messages in words a reader expects', () => {
    expect(renderMail({ kind: 'new_messages', unread: 3 }, link).subject).toBe('You have 3 new secure messages');
    expect(renderMail({ kind: 'new_messages', unread: 1 }, link).subject).toBe('You have 1 new secure message');
    expect(renderMail({ kind: 'new_messages', unread: 3 }, link).text).toContain('https://haven.northmoor.example/#/conversations');
  });

  it('writes deadlines in England’s time, without the child', () => {
    const mail = renderMail({ kind: 'obligation_reminder', dueAt: new Date('2026-07-01T16:00:00Z') }, link);
    expect(mail.subject).toBe('A written record is due by Wednesday 1 July 2026 at 17:00');
  });

  it('takes no free text: a name, a reason or a message cannot be passed to a template (checked by the compiler)', () => {
    const name = 'Lily Hartwell';
    const attempts = [
      // @ts-expect-error a count is a number, not a name
      () => renderMail({ kind: 'new_messages', unread: name }, link),
      // @ts-expect-error a suspension notice has no reason field
      () => renderMail({ kind: 'account_suspended', reason: 'Left the council' }, link),
      // @ts-expect-error an invitation token is made by inviteToken(), not any string
      () => renderMail({ kind: 'invitation', token: name, expiresAt: new Date() }, link),
      // @ts-expect-error a date is a CalendarDate, not any string
      () => renderMail({ kind: 'account_verified', expiresOn: name }, link),
      // @ts-expect-error the link is Haven's own (havenLink), not any string
      () => renderMail({ kind: 'account_reinstated' }, 'https://evil.example'),
      // @ts-expect-error there is no kind that carries a child or a message
      () => renderMail({ kind: 'message', text: name }, link),
    ];
    expect(attempts).toHaveLength(6);
  });

  it('the checking constructors refuse a name where a token, a date or a link belongs', () => {
    expect(() => inviteToken('Lily Hartwell')).toThrow();
    expect(() => calendarDate('14 Mill Lane')).toThrow();
    expect(() => havenLink({ PUBLIC_URL: 'javascript:alert(1)', PORT: 3000 })).toThrow();
    const l: HavenLink = havenLink({ PUBLIC_URL: undefined, PORT: 3000 });
    expect(l).toBe('http://localhost:3000');
  });

  it('a stored payload holds counts and dates only: an extra field (a name) is refused, for every kind', () => {
    for (const kind of MAIL_KINDS) {
      const result = payloadSchemas[kind].safeParse({ childName: 'Lily Hartwell' });
      expect(result.success, kind).toBe(false);
    }
    expect(() => fromPayload({ kind: 'new_sign_in', payload: { at: 'Lily Hartwell' }, linkToken: null }, 0)).toThrow();
  });

  it('what is stored gives back what was queued', () => {
    const contents: EventContent[] = [
      { kind: 'invitation', token, expiresAt: new Date('2026-12-04T12:00:00Z') },
      { kind: 'password_reset', token, expiresAt: new Date('2026-12-04T12:00:00Z') },
      { kind: 'password_changed', at: new Date('2026-12-04T12:00:00Z') },
      { kind: 'mfa_recovery_link', token, expiresAt: new Date('2026-12-04T12:00:00Z') },
      { kind: 'mfa_recovery_admin_alert', at: new Date('2026-12-04T12:00:00Z'), stage: 'confirmed' },
      { kind: 'mfa_recovered', at: new Date('2026-12-04T12:00:00Z') },
      { kind: 'account_verified', expiresOn: calendarDate('2027-01-01') },
      { kind: 'obligation_escalation', dueAt: new Date('2026-12-04T12:00:00Z'), round: 3 },
    ];
    for (const content of contents) {
      const { payload, linkToken } = toPayload(content);
      expect(payloadSchemas[content.kind].safeParse(payload).success).toBe(true);
      expect(fromPayload({ kind: content.kind, payload, linkToken }, 0)).toEqual(content);
    }
  });
});
