import { z } from 'zod';
import type { Config } from '../config';
import { MAIL_KINDS } from '../db/schema';
import { isoDate } from '../shared/schemas';

export type MailKind = (typeof MAIL_KINDS)[number];
export { MAIL_KINDS };

// Branded strings: the only strings an e-mail may carry, each made by a checking function below,
// so a child's name, a reason or message text (plain strings) cannot be passed where they go.
declare const brand: unique symbol;
type Brand<B extends string> = string & { readonly [brand]: B };

/** Haven's own address (PUBLIC_URL, without a trailing slash): the only link an e-mail carries. */
export type HavenLink = Brand<'HavenLink'>;
/** An invitation's, a password reset's or a second-factor recovery's token: 32 random bytes in base64url, nothing a person typed. */
export type InviteToken = Brand<'InviteToken'>;
/** A calendar date, YYYY-MM-DD. */
export type CalendarDate = Brand<'CalendarDate'>;

export class MailContentError extends Error {}

export function havenLink(config: Pick<Config, 'PUBLIC_URL' | 'PORT'>): HavenLink {
  const base = config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
  const url = new URL(base);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new MailContentError('a Haven link must be http(s)');
  return `${url.origin}${url.pathname}`.replace(/\/$/, '') as HavenLink;
}

export function inviteToken(raw: string): InviteToken {
  if (!/^[A-Za-z0-9_-]{43}$/.test(raw)) throw new MailContentError('not an invitation token');
  return raw as InviteToken;
}

export function calendarDate(raw: string): CalendarDate {
  if (!isoDate.safeParse(raw).success) throw new MailContentError('not a calendar date');
  return raw as CalendarDate;
}

/**
 * Everything an e-mail can say, by kind: counts, dates, rounds, a token, and nothing else. The
 * templates (templates.ts) turn exactly this into words.
 */
export type MailContent =
  | { kind: 'new_messages'; unread: number }
  | { kind: 'invitation'; token: InviteToken; expiresAt: Date }
  | { kind: 'account_verified'; expiresOn: CalendarDate }
  | { kind: 'account_suspended' }
  | { kind: 'account_reinstated' }
  | { kind: 'new_sign_in'; at: Date }
  | { kind: 'password_reset'; token: InviteToken; expiresAt: Date }
  | { kind: 'password_changed'; at: Date }
  | { kind: 'passkey_added'; at: Date }
  | { kind: 'mfa_recovery_link'; token: InviteToken; expiresAt: Date }
  | { kind: 'mfa_recovery_started'; at: Date }
  | { kind: 'mfa_recovery_cancelled'; at: Date; byThePerson?: boolean }
  | { kind: 'mfa_recovery_admin_alert'; at: Date; stage: RecoveryAlertStage }
  | { kind: 'mfa_recovered'; at: Date }
  | { kind: 'obligation_reminder'; dueAt: Date }
  | { kind: 'obligation_overdue'; dueAt: Date }
  | { kind: 'obligation_escalation'; dueAt: Date; round: number };

/**
 * What happened to a recovery the admins are told of: `cancelled_by_person` when the person
 * cancelled it as no longer needed, `disowned` when they said they never asked for it.
 */
export const RECOVERY_ALERT_STAGES = ['requested', 'confirmed', 'completed', 'cancelled', 'cancelled_by_person', 'disowned'] as const;
export type RecoveryAlertStage = (typeof RECOVERY_ALERT_STAGES)[number];

/** A notice queued at the time of its event; new-message notices are gathered instead (digest). */
export type EventContent = Exclude<MailContent, { kind: 'new_messages' }>;

const instant = z.iso.datetime();

/** What the outbox row keeps per kind (strict: an extra field is refused, so nothing else slips in). */
export const payloadSchemas = {
  new_messages: z.strictObject({}),
  invitation: z.strictObject({ expiresAt: instant }),
  account_verified: z.strictObject({ expiresOn: isoDate }),
  account_suspended: z.strictObject({}),
  account_reinstated: z.strictObject({}),
  new_sign_in: z.strictObject({ at: instant }),
  password_reset: z.strictObject({ expiresAt: instant }),
  password_changed: z.strictObject({ at: instant }),
  passkey_added: z.strictObject({ at: instant }),
  mfa_recovery_link: z.strictObject({ expiresAt: instant }),
  mfa_recovery_started: z.strictObject({ at: instant }),
  mfa_recovery_cancelled: z.strictObject({ at: instant, byThePerson: z.boolean().optional() }),
  mfa_recovery_admin_alert: z.strictObject({ at: instant, stage: z.enum(RECOVERY_ALERT_STAGES) }),
  mfa_recovered: z.strictObject({ at: instant }),
  obligation_reminder: z.strictObject({ dueAt: instant }),
  obligation_overdue: z.strictObject({ dueAt: instant }),
  obligation_escalation: z.strictObject({ dueAt: instant, round: z.number().int().positive() }),
} satisfies Record<MailKind, z.ZodType>;

/** The row's payload for this content; an invitation's token goes in its own column (wiped once sent). */
export function toPayload(content: EventContent): { payload: Record<string, unknown>; linkToken: string | null } {
  switch (content.kind) {
    case 'invitation':
    case 'password_reset':
    case 'mfa_recovery_link':
      return { payload: { expiresAt: content.expiresAt.toISOString() }, linkToken: content.token };
    case 'account_verified':
      return { payload: { expiresOn: content.expiresOn }, linkToken: null };
    case 'account_suspended':
    case 'account_reinstated':
      return { payload: {}, linkToken: null };
    case 'new_sign_in':
    case 'password_changed':
    case 'passkey_added':
    case 'mfa_recovery_started':
    case 'mfa_recovered':
      return { payload: { at: content.at.toISOString() }, linkToken: null };
    case 'mfa_recovery_cancelled':
      return { payload: { at: content.at.toISOString(), ...(content.byThePerson ? { byThePerson: true } : {}) }, linkToken: null };
    case 'mfa_recovery_admin_alert':
      return { payload: { at: content.at.toISOString(), stage: content.stage }, linkToken: null };
    case 'obligation_reminder':
    case 'obligation_overdue':
      return { payload: { dueAt: content.dueAt.toISOString() }, linkToken: null };
    case 'obligation_escalation':
      return { payload: { dueAt: content.dueAt.toISOString(), round: content.round }, linkToken: null };
  }
}

/** The content of a stored row, checked again on the way out; `unread` is counted at send time. */
export function fromPayload(row: { kind: MailKind; payload: unknown; linkToken: string | null }, unread: number): MailContent {
  switch (row.kind) {
    case 'new_messages':
      payloadSchemas.new_messages.parse(row.payload);
      return { kind: 'new_messages', unread };
    case 'invitation': {
      const p = payloadSchemas.invitation.parse(row.payload);
      if (!row.linkToken) throw new MailContentError('the invitation token is gone');
      return { kind: 'invitation', token: inviteToken(row.linkToken), expiresAt: new Date(p.expiresAt) };
    }
    case 'account_verified':
      return { kind: 'account_verified', expiresOn: calendarDate(payloadSchemas.account_verified.parse(row.payload).expiresOn) };
    case 'account_suspended':
    case 'account_reinstated':
      payloadSchemas[row.kind].parse(row.payload);
      return { kind: row.kind };
    case 'new_sign_in':
    case 'password_changed':
    case 'passkey_added':
    case 'mfa_recovery_started':
    case 'mfa_recovered':
      return { kind: row.kind, at: new Date(payloadSchemas[row.kind].parse(row.payload).at) };
    case 'mfa_recovery_cancelled': {
      const p = payloadSchemas.mfa_recovery_cancelled.parse(row.payload);
      return { kind: 'mfa_recovery_cancelled', at: new Date(p.at), ...(p.byThePerson ? { byThePerson: true } : {}) };
    }
    case 'mfa_recovery_admin_alert': {
      const p = payloadSchemas.mfa_recovery_admin_alert.parse(row.payload);
      return { kind: 'mfa_recovery_admin_alert', at: new Date(p.at), stage: p.stage };
    }
    case 'mfa_recovery_link': {
      const p = payloadSchemas.mfa_recovery_link.parse(row.payload);
      if (!row.linkToken) throw new MailContentError('the recovery token is gone');
      return { kind: 'mfa_recovery_link', token: inviteToken(row.linkToken), expiresAt: new Date(p.expiresAt) };
    }
    case 'password_reset': {
      const p = payloadSchemas.password_reset.parse(row.payload);
      if (!row.linkToken) throw new MailContentError('the reset token is gone');
      return { kind: 'password_reset', token: inviteToken(row.linkToken), expiresAt: new Date(p.expiresAt) };
    }
    case 'obligation_reminder':
    case 'obligation_overdue':
      return { kind: row.kind, dueAt: new Date(payloadSchemas[row.kind].parse(row.payload).dueAt) };
    case 'obligation_escalation': {
      const p = payloadSchemas.obligation_escalation.parse(row.payload);
      return { kind: 'obligation_escalation', dueAt: new Date(p.dueAt), round: p.round };
    }
  }
}
