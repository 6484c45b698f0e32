import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ready } from '../../crypto';
import { startWorkers, type RunningWorkers } from '../../workers/runner';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { mailEnv, outboxRows } from '../support/mail-outbox';
import { People } from '../support/people';
import { Practitioner, offendingRiskRecord, startConversation, welfareRecord } from '../support/practitioner';
import { TestSmtpServer, type ReceivedMail } from '../support/smtp';

// E-mail notices end to end: real events in a real Haven, a real mail worker on BullMQ, and a real
// SMTP server listening on a local port that keeps what it receives. Nothing is mocked.
const CANARY = 'CANARY-mail-7f3a90 Lily was seen at the canal with an older man';
const DIGEST_SECONDS = 3;
let smtp: TestSmtpServer;
let haven: TestHaven;
let workers: RunningWorkers;
const people = new People(() => haven);
const cast: Record<'jordan' | 'morgan' | 'ruth', Practitioner> = {} as never;

const address = (name: string) => haven.account(name).email;
const subjects = (name: string) => smtp.to(address(name)).map((m) => m.subject);
const waitForMail = (name: string, subject: string | RegExp) =>
  vi.waitFor(
    () => {
      const found = smtp.to(address(name)).find((m) => (typeof subject === 'string' ? m.subject === subject : subject.test(m.subject)));
      expect(found, `${name}: ${subject.toString()} (has ${JSON.stringify(subjects(name))})`).toBeDefined();
      return found as ReceivedMail;
    },
    { timeout: 15_000, interval: 100 },
  );

beforeAll(async () => {
  await ready();
  smtp = await TestSmtpServer.start();
  const prefix = `mail-delivery-${randomBytes(4).toString('hex')}`;
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  haven = await startTestHaven({
    seedDemo: true,
    redisUrl,
    env: { ...mailEnv(smtp.url), HAVEN_QUEUE_PREFIX: prefix, HAVEN_MAIL_DIGEST_MINUTES: String(DIGEST_SECONDS / 60) },
  });
  workers = await startWorkers(haven.ctx, { redisUrl, prefix }, pino({ level: 'silent' }));
  for (const [key, name] of [
    ['jordan', 'Jordan'],
    ['morgan', 'Morgan'],
    ['ruth', 'Ruth'],
  ] as const) {
    cast[key] = new Practitioner(await people.as(name));
    await cast[key].publishKeys();
    await cast[key].connect();
  }
});
afterAll(async () => {
  for (const p of Object.values(cast)) p.disconnect();
  await workers?.close();
  await haven?.close();
  await smtp?.stop();
});

describe('each kind of notice reaches its person by e-mail', () => {
  it('a sign-in, an invitation, verification, suspension and reinstatement', async () => {
    // Signing in (password and code) is notified.
    const signIn = await waitForMail('Jordan', 'New sign-in to your Haven account');
    expect(signIn.text).toContain('https://haven.northmoor.example/#/account');
    expect(signIn.raw).toMatch(/^From: Haven <haven@haven\.northmoor\.example>/m);
    expect(signIn.messageId).toMatch(/^<[0-9a-f-]{36}@haven\.northmoor\.example>$/);

    const priya = await people.as('Priya');
    const agencyId = (await priya.get<{ session: { user: { agencyId: string } } }>('/api/session')).body.session.user.agencyId;
    const invited = await priya.post<{ token: string }>('/api/invites', { email: 'casey.new@childrens.northmoor.example', role: 'practitioner', agencyId });
    expect(invited.status).toBe(201);
    const invitation = await vi.waitFor(
      () => {
        const found = smtp.to('casey.new@childrens.northmoor.example')[0];
        expect(found).toBeDefined();
        return found as ReceivedMail;
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(invitation.subject).toBe('You are invited to join Haven');
    expect(invitation.text).toContain(`https://haven.northmoor.example/#/invite/${invited.body.token}`);
    // Once sent, the token no longer sits in the outbox.
    await vi.waitFor(async () => expect((await outboxRows(haven, `o.kind = 'invitation'`))[0]?.status).toBe('sent'));
    const client = await rawClient(haven.database.url);
    expect((await client.query(`select 1 from mail_outbox where link_token is not null and status = 'sent'`)).rowCount).toBe(0);
    await client.end();

    const taylorId = (await priya.get<{ users: { id: string; email: string }[] }>('/api/users?status=all')).body.users.find(
      (u) => u.email === address('Taylor'),
    )?.id;
    const today = new Date().toISOString().slice(0, 10);
    const verified = await priya.post(`/api/users/${taylorId}/verify`, {
      role: 'practitioner',
      identityCheckedBy: 'Priya Natarajan',
      identityCheckedOn: today,
      vettingCheckedOn: today,
      trainingCompletedOn: today,
    });
    expect(verified.status).toBe(200);
    expect((await waitForMail('Taylor', 'Your Haven account is verified')).text).toMatch(/Your verification runs until \w+day \d+ \w+ \d{4}/);

    expect((await priya.post(`/api/users/${taylorId}/suspend`, { reason: 'Taylor left the council on Friday' })).status).toBe(200);
    const suspended = await waitForMail('Taylor', 'Your Haven account is suspended');
    // The reason an admin typed stays in Haven.
    expect(suspended.raw).not.toContain('left the council');
    expect((await priya.post(`/api/users/${taylorId}/reinstate`, { reason: 'Back from leave' })).status).toBe(200);
    await waitForMail('Taylor', 'Your Haven account is reinstated');
  });

  it('an overdue written record: the officer is reminded and told it is overdue, the admin gets the escalation — with the deadline, never the child', async () => {
    const ruth = cast.ruth.api;
    const alexId = (await ruth.get<{ people: { id: string }[] }>('/api/people?name=Alex')).body.people[0]?.id ?? '';
    const callum = (await ruth.get<{ children: { id: string }[] }>('/api/children?name=Callum+Byrne')).body.children[0]?.id ?? '';
    expect((await ruth.post(`/api/children/${callum}/offending-risk`, { reason: 'Youth offending panel referral' })).status).toBe(200);
    expect((await ruth.post(`/api/children/${callum}/case-officers`, { userId: alexId, record: welfareRecord })).status).toBe(200);
    const share = await ruth.post(`/api/children/${callum}/verbal-shares`, {
      occurredAt: new Date(Date.now() - 10 * 86_400_000).toISOString(),
      tier: 'offending_risk',
      emergency: true,
      participants: [{ userId: alexId }],
      record: offendingRiskRecord,
    });
    expect(share.status).toBe(201);
    const reminder = await waitForMail('Ruth', /^A written record is due by \w+day \d+ \w+ \d{4} at \d\d:\d\d$/);
    expect(reminder.text).toContain('https://haven.northmoor.example/#/obligations');
    await waitForMail('Ruth', 'A written record is overdue');
    // Ten days late with a 24-hour escalation period: the round now due is sent (once), not each one missed.
    const escalation = await waitForMail('Priya', /^A written record is still overdue \(escalation \d+\)$/);
    expect(escalation.text).toContain('escalated to you again');
    expect(escalation.text).toContain('https://haven.northmoor.example/#/admin/escalations');
  });
});

describe('new messages are gathered into a digest per person', () => {
  it('three messages make one e-mail, "You have 3 new secure messages"; the next digest waits a full period', async () => {
    const thread = await startConversation(cast.jordan, [cast.morgan], 'Lily Hartwell');
    for (const text of [CANARY, 'second message', 'third message']) {
      expect(await cast.jordan.send(cast.jordan.seal(thread, [cast.morgan], text))).toMatchObject({ ok: true });
    }
    const digest = await waitForMail('Morgan', /new secure message/);
    expect(digest.subject).toBe('You have 3 new secure messages');
    expect(digest.text).toContain('https://haven.northmoor.example/#/conversations');
    // Only one, even after another period and several sweeps.
    await new Promise((resolve) => setTimeout(resolve, DIGEST_SECONDS * 1000 + 1500));
    expect(subjects('Morgan').filter((s) => s.includes('new secure message'))).toEqual(['You have 3 new secure messages']);

    expect(await cast.jordan.send(cast.jordan.seal(thread, [cast.morgan], 'a fourth, later'))).toMatchObject({ ok: true });
    await vi.waitFor(() => expect(subjects('Morgan').filter((s) => s.includes('new secure message'))).toHaveLength(2), { timeout: 15_000, interval: 100 });
    const [first, second] = smtp.to(address('Morgan')).filter((m) => m.subject.includes('new secure message'));
    expect(second?.subject).toBe('You have 1 new secure message');
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(DIGEST_SECONDS * 1000 - 200);
  });

  it('a message read before its digest is due sends no e-mail', async () => {
    const thread = await startConversation(cast.jordan, [cast.ruth], 'Amara Osei');
    const envelope = cast.jordan.seal(thread, [cast.ruth], 'read straight away');
    expect(await cast.jordan.send(envelope)).toMatchObject({ ok: true });
    await vi.waitFor(() => expect(cast.ruth.received.map((m) => m.id)).toContain(envelope.header.id));
    expect(await cast.ruth.socket?.timeout(5_000).emitWithAck('share:read', { id: envelope.header.id })).toMatchObject({ ok: true });
    await vi.waitFor(
      async () => expect((await outboxRows(haven, `o.kind = 'new_messages' and u.email = $1`, [address('Ruth')])).map((r) => r.status)).toEqual(['skipped']),
      { timeout: 15_000, interval: 200 },
    );
    expect(subjects('Ruth').filter((s) => s.includes('new secure message'))).toEqual([]);
  });
});

describe('content-free, by test', () => {
  it('no e-mail sent names a child, carries an index field, a share record or a message’s text; each Message-ID arrived once', async () => {
    expect(smtp.received.length).toBeGreaterThanOrEqual(10);
    const client = await rawClient(haven.database.url);
    const children = (
      await client.query<{
        name: string;
        dob: string;
        address: string;
        postcode: string;
        school: string | null;
        gp: string | null;
        parents: { name: string }[];
      }>(`select name, to_char(date_of_birth, 'YYYY-MM-DD') as dob, address, postcode, school_or_setting as school, gp, parents from children`)
    ).rows;
    await client.end();
    expect(children.map((c) => c.name)).toEqual(expect.arrayContaining(['Lily Hartwell', 'Callum Byrne', 'Amara Osei']));
    const forbidden = new Set<string>([CANARY, 'CANARY-mail-7f3a90', 'canal', welfareRecord.purpose, welfareRecord.necessityAndProportionality]);
    for (const child of children) {
      for (const part of [child.name, ...child.name.split(/\s+/)]) forbidden.add(part);
      const [y, m, d] = child.dob.split('-');
      const gb = new Date(`${child.dob}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
      for (const value of [child.dob, `${d}/${m}/${y}`, gb, child.address, child.postcode, child.postcode.replace(' ', ''), child.school, child.gp])
        if (value) forbidden.add(value);
      for (const parent of child.parents) forbidden.add(parent.name);
    }
    for (const mail of smtp.received) {
      for (const value of forbidden) {
        const pattern = new RegExp(`\\b${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i');
        expect(pattern.test(mail.raw) || pattern.test(mail.text), `"${value}" in "${mail.subject}"`).toBe(false);
      }
    }
    expect([...smtp.messageIdCounts().values()].every((n) => n === 1)).toBe(true);
  });
});
