import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { queueNotices } from '../../server/notifications';
import { createMailTransport } from '../../server/notifications/mail-transport';
import { sendNotice } from '../../server/notifications/send.service';
import type { EventContent } from '../../server/notifications/mail-content';
import { startTestHaven, type TestHaven } from '../support/haven';
import { mailEnv, outboxRows } from '../support/mail-outbox';
import { People } from '../support/people';
import { Practitioner, startConversation } from '../support/practitioner';
import { TestSmtpServer } from '../support/smtp';

// Who hears what, and when: a person's own choices and their agency's defaults, set through the
// API, decide each notice at the moment the send step (the mail worker's) takes it, delivered to
// a real SMTP server. The send step runs at the time the test gives it: no waiting for the night.
let smtp: TestSmtpServer;
let haven: TestHaven;
const people = new People(() => haven);
const address = (name: string) => haven.account(name).email;
const prefs = (more: Record<string, unknown> = {}) => ({ messages: true, recordReminders: true, digest: 'quarter_hour', quietHours: null, ...more });

async function userIdOf(name: string): Promise<string> {
  return (await (await people.as(name)).get<{ session: { user: { id: string } } }>('/api/session')).body.session.user.id;
}
async function agencyOf(name: string): Promise<string> {
  return (await (await people.as(name)).get<{ session: { user: { agencyId: string } } }>('/api/session')).body.session.user.agencyId;
}
async function queue(name: string, content: EventContent, at: Date): Promise<string> {
  const userId = await userIdOf(name);
  const [queued] = await haven.ctx.db.transaction((tx) => queueNotices(tx, [{ to: { userId }, content }], at));
  if (!queued) throw new Error('nothing queued');
  return queued.id;
}
/** The mail worker's send step for one notice, as if run at `at`. */
const sendAt = (id: string, at: Date) => sendNotice({ ...haven.ctx, clock: () => at }, createMailTransport(haven.ctx.config), id);
const minutesFromNow = (minutes: number) => new Date(Date.now() + minutes * 60_000);
const cast: Record<'jordan' | 'morgan', Practitioner> = {} as never;
const rowsOf = (name: string, kind: string) => outboxRows(haven, 'u.email = $1 and o.kind = $2', [address(name), kind]);

beforeAll(async () => {
  await ready();
  smtp = await TestSmtpServer.start();
  haven = await startTestHaven({ seedDemo: true, env: mailEnv(smtp.url) });
  cast.jordan = new Practitioner(await people.as('Jordan'));
  cast.morgan = new Practitioner(await people.as('Morgan'));
  await Promise.all([cast.jordan.publishKeys(), cast.morgan.publishKeys()]);
  await cast.jordan.connect();
});
afterAll(async () => {
  cast.jordan?.disconnect();
  await haven?.close();
  await smtp?.stop();
});

describe('a person’s own choices', () => {
  it('new messages turned off: the digest is dropped, not sent; turned on again, the next one goes', async () => {
    const morgan = await people.as('Morgan');
    expect((await morgan.request('PUT', '/api/me/notification-preferences', { preferences: prefs({ messages: false }) })).status).toBe(200);
    const { jordan, morgan: reader } = cast;
    const thread = await startConversation(jordan, [reader], 'Lily Hartwell');
    expect(((await jordan.send(jordan.seal(thread, [reader], 'one'))) as { ok: boolean }).ok).toBe(true);
    const [digest] = await rowsOf('Morgan', 'new_messages');
    expect(await sendAt(digest?.id ?? '', minutesFromNow(16))).toMatchObject({ outcome: 'skipped', why: 'turned off by the person' });
    expect(await rowsOf('Morgan', 'new_messages')).toMatchObject([{ status: 'skipped', last_error: 'turned off by the person' }]);

    expect((await morgan.request('PUT', '/api/me/notification-preferences', { preferences: prefs() })).status).toBe(200);
    expect(((await jordan.send(jordan.seal(thread, [reader], 'two'))) as { ok: boolean }).ok).toBe(true);
    const again = (await rowsOf('Morgan', 'new_messages')).find((r) => r.status === 'queued');
    expect(await sendAt(again?.id ?? '', minutesFromNow(16))).toMatchObject({ outcome: 'sent' });
    expect(smtp.to(address('Morgan')).filter((m) => m.subject.includes('secure message'))).toHaveLength(1);
  });

  it('hourly: a digest waits an hour after its first message, whatever the installation’s 15 minutes', async () => {
    const morgan = await people.as('Morgan');
    await morgan.request('PUT', '/api/me/notification-preferences', { preferences: prefs({ digest: 'hourly' }) });
    const { jordan, morgan: reader } = cast;
    const thread = await startConversation(jordan, [reader], 'Lily Hartwell');
    const sentAt = Date.now();
    await jordan.send(jordan.seal(thread, [reader], 'three'));
    const queued = (await rowsOf('Morgan', 'new_messages')).find((r) => r.status === 'queued');
    const outcome = await sendAt(queued?.id ?? '', minutesFromNow(16));
    expect(outcome).toMatchObject({ outcome: 'later' });
    // At least an hour after the message, not 15 minutes (and an hour after the last digest, sent in the test above).
    const waitsUntil = outcome.outcome === 'later' ? outcome.at.getTime() : 0;
    expect(waitsUntil - sentAt).toBeGreaterThanOrEqual(59 * 60_000);
    expect(waitsUntil - sentAt).toBeLessThan(80 * 60_000);
    const then = await sendAt(queued?.id ?? '', new Date(waitsUntil));
    // Asked at the time it named, it goes (or names a later time only for the hour since the last digest).
    const last = then.outcome === 'later' ? await sendAt(queued?.id ?? '', then.at) : then;
    expect(last).toMatchObject({ outcome: 'sent' });
  });

  it('refuses choices that are not complete and well formed, and changes nothing', async () => {
    const morgan = await people.as('Morgan');
    const before = (await morgan.get<{ own: unknown }>('/api/me/notification-preferences')).body.own;
    for (const bad of [
      {},
      { preferences: { ...prefs(), digest: 'weekly' } },
      { preferences: prefs({ quietHours: { start: '22:00', end: '22:00' } }) },
      { preferences: prefs(), userId: 'x' },
    ]) {
      const res = await morgan.request('PUT', '/api/me/notification-preferences', bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts/);
    }
    expect((await morgan.get<{ own: unknown }>('/api/me/notification-preferences')).body.own).toEqual(before);
  });
});

describe('an agency’s defaults and quiet hours', () => {
  it('apply to a person who has not chosen: a reminder at 23:00 waits for 07:00; an escalation goes at once', async () => {
    const priya = await people.as('Priya');
    const council = await agencyOf('Ruth');
    const set = await priya.request('PUT', `/api/agencies/${council}/notification-defaults`, {
      preferences: prefs({ quietHours: { start: '22:00', end: '07:00' } }),
    });
    expect(set.status).toBe(200);
    const ruth = await people.as('Ruth');
    const view = (await ruth.get<{ own: unknown; agencySetDefaults: boolean; effective: { quietHours: unknown } }>('/api/me/notification-preferences')).body;
    expect(view).toMatchObject({ own: null, agencySetDefaults: true, effective: { quietHours: { start: '22:00', end: '07:00' } } });

    const night = new Date('2026-12-07T23:00:00Z'); // 23:00 in London (GMT)
    const reminder = await queue('Ruth', { kind: 'obligation_reminder', dueAt: new Date('2026-12-08T17:00:00Z') }, night);
    const escalation = await queue('Ruth', { kind: 'obligation_escalation', dueAt: new Date('2026-12-07T17:00:00Z'), round: 1 }, night);
    expect(await sendAt(reminder, night)).toEqual({ outcome: 'later', at: new Date('2026-12-08T07:00:00Z') });
    expect(await sendAt(escalation, night)).toMatchObject({ outcome: 'sent', kind: 'obligation_escalation' });
    const reminders = () => smtp.to(address('Ruth')).filter((m) => /^A written record is due/.test(m.subject));
    expect(reminders()).toEqual([]);

    expect(await sendAt(reminder, new Date('2026-12-08T07:00:30Z'))).toMatchObject({ outcome: 'sent', kind: 'obligation_reminder' });
    expect(reminders()).toHaveLength(1);
  });

  it('a person’s own choice wins over the agency’s: no quiet hours of their own, the reminder goes at night', async () => {
    const ruth = await people.as('Ruth');
    expect((await ruth.request('PUT', '/api/me/notification-preferences', { preferences: prefs() })).status).toBe(200);
    const night = new Date('2026-12-08T23:30:00Z');
    const reminder = await queue('Ruth', { kind: 'obligation_reminder', dueAt: new Date('2026-12-09T17:00:00Z') }, night);
    expect(await sendAt(reminder, night)).toMatchObject({ outcome: 'sent' });
    // Back to the agency's defaults.
    expect((await ruth.request('PUT', '/api/me/notification-preferences', { preferences: null })).status).toBe(200);
    expect((await ruth.get<{ own: unknown }>('/api/me/notification-preferences')).body.own).toBeNull();
  });

  it('an overdue written record comes through the agency’s quiet hours, and cannot be turned off', async () => {
    const priya = await people.as('Priya');
    const council = await agencyOf('Ruth');
    await priya.request('PUT', `/api/agencies/${council}/notification-defaults`, {
      preferences: prefs({ recordReminders: false, messages: false, quietHours: { start: '22:00', end: '07:00' } }),
    });
    const night = new Date('2026-12-09T02:00:00Z');
    const overdue = await queue('Ruth', { kind: 'obligation_overdue', dueAt: new Date('2026-12-08T17:00:00Z') }, night);
    expect(await sendAt(overdue, night)).toMatchObject({ outcome: 'sent', kind: 'obligation_overdue' });
    const reminder = await queue('Ruth', { kind: 'obligation_reminder', dueAt: new Date('2026-12-10T17:00:00Z') }, night);
    expect(await sendAt(reminder, night)).toMatchObject({ outcome: 'skipped' });
  });

  it('the changes are in the audit log, with who made them', async () => {
    const sam = await people.as('Sam');
    const entries = (await sam.get<{ entries: { action: string }[] }>('/api/audit?limit=200')).body.entries.map((e) => e.action);
    expect(entries).toContain('agency.notification_defaults_set');
    expect(entries).toContain('account.notification_preferences_set');
  });
});
