import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { ApiClient } from '../support/client';
import { auditEntriesOf } from '../support/audit-entries';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { mailEnv, outboxRows } from '../support/mail-outbox';
import { People } from '../support/people';
import { makeUser, recoveryLinkSentTo, type MadeUser } from '../support/recovery';
import { TestSmtpServer } from '../support/smtp';
import { totpCode } from '../support/totp';

// The person cancelling a recovery of their own sign-in (docs/sign-in.md, "A lost authenticator
// app", step 5): someone who posed as them to an admin is stopped by the person signing in with
// the authenticator they still hold. Through the real HTTP interface, with e-mail to a real SMTP
// server; each test makes its own people, since a recovery ends their sessions.
let smtp: TestSmtpServer;
let haven: TestHaven;
const people = new People(() => haven);
let council = '';
let priyaId = '';
type ErrorBody = { error: { code: string; message: string } };
type OwnRecovery = {
  recovery: { id: string; status: string; requestedByName: string | null; identityCheckMethod: string; identityCheckedAt: string; cancellable: boolean } | null;
};
type AdminList = { recoveries: { id: string; userId: string; status: string; cancelledByPerson: string | null }[] };

const checkedNow = () => ({ identityCheck: { method: 'call_back_known_number', checkedAt: new Date().toISOString() }, reason: 'Says they lost their phone' });
const mailsTo = (userId: string, kind: string) => outboxRows(haven, `o.user_id = $1 and o.kind = $2`, [userId, kind]);

/** Signs the made user in again, as they would after their sessions ended: password and a code from the authenticator they still hold. */
async function signInAgain(user: MadeUser): Promise<ApiClient> {
  const client = new ApiClient(haven.url);
  expect((await client.post('/api/auth/sign-in', { email: user.email, password: user.password })).status).toBe(200);
  expect((await client.post('/api/auth/mfa', { code: totpCode(user.totpSecret) })).status).toBe(200);
  return client;
}

const auditOf = (action: string, subjectId: string) => auditEntriesOf(haven, action, subjectId);

/** The payloads of the e-mails of this kind queued for this user (what the templates turn into words). */
async function payloadsTo(userId: string, kind: string): Promise<Record<string, unknown>[]> {
  const db = await rawClient(haven.database.url);
  try {
    return (
      await db.query<{ payload: Record<string, unknown> }>(`select payload from mail_outbox where user_id = $1 and kind = $2 order by created_at`, [
        userId,
        kind,
      ])
    ).rows.map((r) => r.payload);
  } finally {
    await db.end();
  }
}

async function recoveryInAdminList(id: string) {
  const list = await (await people.as('Priya')).get<AdminList>('/api/mfa-recoveries');
  return list.body.recoveries.find((r) => r.id === id);
}

beforeAll(async () => {
  await ready();
  smtp = await TestSmtpServer.start();
  haven = await startTestHaven({ seedDemo: true, env: mailEnv(smtp.url) });
  const priya = await people.as('Priya');
  const session = (await priya.get<{ session: { user: { id: string; agencyId: string } } }>('/api/session')).body.session;
  council = session.user.agencyId;
  priyaId = session.user.id;
}, 120_000);
afterAll(async () => {
  await haven?.close();
  await smtp?.stop();
});

describe('the person cancelling a recovery of their own sign-in', () => {
  it('a practitioner who never asked signs in with their authenticator, sees who started it and how, and cancels it: the link dies, the admins are warned, it is audited', async () => {
    const priya = await people.as('Priya');
    const person = await makeUser(haven, priya, 'practitioner', council, 'Robin Never Asked');
    const started = await priya.post<{ recovery: { id: string; status: string } }>(`/api/users/${person.id}/mfa-recovery`, checkedNow());
    expect(started).toMatchObject({ status: 201, body: { recovery: { status: 'link_sent' } } });
    const id = started.body.recovery.id;
    const token = await recoveryLinkSentTo(haven, smtp, person.email);
    // The e-mails say how to stop it.
    expect(smtp.to(person.email).some((m) => /cancel (it|the recovery) from your account page/.test(m.text ?? ''))).toBe(true);

    // Every session ended with the link; the person signs in again with the factor they still hold.
    expect((await person.client.get<{ session: unknown }>('/api/session')).body.session).toBeNull();
    const client = await signInAgain(person);
    const seen = await client.get<OwnRecovery>('/api/me/mfa-recovery');
    expect(seen.status).toBe(200);
    expect(seen.body.recovery).toMatchObject({
      id,
      status: 'link_sent',
      requestedByName: 'Priya Natarajan',
      identityCheckMethod: 'call_back_known_number',
      cancellable: true,
    });

    const cancelled = await client.post('/api/me/mfa-recovery/cancel', { why: 'not_requested' });
    expect(cancelled).toMatchObject({ status: 200, body: { cancelled: true } });

    // The link no longer works, to read or to use.
    expect((await new ApiClient(haven.url).get(`/api/auth/mfa-recovery/${token}`)).status).toBe(404);
    const use = await new ApiClient(haven.url).post<ErrorBody>(`/api/auth/mfa-recovery/${token}/enrolment`, { password: person.password });
    expect(use.body.error.code).toBe('recovery_link_invalid');
    expect((await client.get<OwnRecovery>('/api/me/mfa-recovery')).body.recovery).toBeNull();
    // Nothing left to cancel.
    const again = await client.post<ErrorBody>('/api/me/mfa-recovery/cancel', { why: 'not_requested' });
    expect(again).toMatchObject({ status: 404, body: { error: { code: 'no_open_recovery' } } });

    const [audit] = await auditOf('account.mfa_recovery_cancelled', person.id);
    expect(audit?.actor_id).toBe(person.id);
    expect(audit?.detail).toMatchObject({ recoveryId: id, byThePerson: 'not_requested', requestedBy: priyaId, linkWasSent: true });

    // The person is e-mailed (a stolen session cancelling it would be seen); the admin who started it is warned.
    expect(await payloadsTo(person.id, 'mfa_recovery_cancelled')).toEqual([expect.objectContaining({ byThePerson: true })]);
    expect((await payloadsTo(priyaId, 'mfa_recovery_admin_alert')).filter((p) => p.stage === 'disowned')).toHaveLength(1);
    // The admins' list says the person cancelled it and why.
    expect(await recoveryInAdminList(id)).toMatchObject({ status: 'cancelled', cancelledByPerson: 'not_requested' });
  });

  it('a designated officer’s recovery still waiting for a second admin is cancelled as no longer needed, and can then not be confirmed', async () => {
    const priya = await people.as('Priya');
    const person = await makeUser(haven, priya, 'designated_officer', council, 'Dee Found Phone');
    const second = await makeUser(haven, await people.as('Sam'), 'agency_admin', council, 'Sol Second Admin');
    const started = await priya.post<{ recovery: { id: string; status: string } }>(`/api/users/${person.id}/mfa-recovery`, checkedNow());
    expect(started.body.recovery.status).toBe('awaiting_confirmation');
    const id = started.body.recovery.id;

    // Sessions go on until a link is sent: the person is still signed in and sees it waiting.
    const seen = await person.client.get<OwnRecovery>('/api/me/mfa-recovery');
    expect(seen.body.recovery).toMatchObject({ id, status: 'awaiting_confirmation', cancellable: true });
    expect((await person.client.post('/api/me/mfa-recovery/cancel', { why: 'no_longer_needed' })).status).toBe(200);

    const confirm = await second.client.post<ErrorBody>(`/api/mfa-recoveries/${id}/confirm`);
    expect(confirm).toMatchObject({ status: 409, body: { error: { code: 'recovery_not_awaiting_confirmation' } } });
    expect(await mailsTo(person.id, 'mfa_recovery_link')).toHaveLength(0);
    expect((await payloadsTo(priyaId, 'mfa_recovery_admin_alert')).filter((p) => p.stage === 'cancelled_by_person')).toHaveLength(1);
    expect(await recoveryInAdminList(id)).toMatchObject({ status: 'cancelled', cancelledByPerson: 'no_longer_needed' });
  });

  it('the admin who started a recovery the person disowns is warned even when they are not one of the person’s agency admins', async () => {
    const sam = await people.as('Sam');
    const samId = (await sam.get<{ session: { user: { id: string } } }>('/api/session')).body.session.user.id;
    const person = await makeUser(haven, await people.as('Priya'), 'practitioner', council, 'Ash Asked By Nobody');
    const started = await sam.post<{ recovery: { id: string } }>(`/api/users/${person.id}/mfa-recovery`, checkedNow());
    expect(started.status).toBe(201);
    const client = await signInAgain(person);
    expect((await client.post('/api/me/mfa-recovery/cancel', { why: 'not_requested' })).status).toBe(200);
    expect((await payloadsTo(samId, 'mfa_recovery_admin_alert')).filter((p) => p.stage === 'disowned')).toHaveLength(1);
    // And the person's agency admins, as ever.
    expect((await payloadsTo(priyaId, 'mfa_recovery_admin_alert')).filter((p) => p.stage === 'disowned').length).toBeGreaterThanOrEqual(2);
  });

  it('eight cancels at once: exactly one succeeds, the others are told there is none left, and one of each e-mail and audit entry is made', async () => {
    const priya = await people.as('Priya');
    const person = await makeUser(haven, priya, 'designated_officer', council, 'Rae Raced');
    const started = await priya.post<{ recovery: { id: string } }>(`/api/users/${person.id}/mfa-recovery`, checkedNow());
    const answers = await Promise.all(Array.from({ length: 8 }, () => person.client.post<ErrorBody>('/api/me/mfa-recovery/cancel', { why: 'not_requested' })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 404, 404, 404, 404, 404, 404, 404]);
    expect(answers.filter((a) => a.status === 404).every((a) => a.body.error.code === 'no_open_recovery')).toBe(true);
    expect(await auditOf('account.mfa_recovery_cancelled', person.id)).toHaveLength(1);
    expect(await mailsTo(person.id, 'mfa_recovery_cancelled')).toHaveLength(1);
    expect(await recoveryInAdminList(started.body.recovery.id)).toMatchObject({ status: 'cancelled', cancelledByPerson: 'not_requested' });
  });

  it('cancels only the caller’s own: another person’s call leaves it open; signed out, without the CSRF token or with a bad reason it is refused in clear words', async () => {
    const priya = await people.as('Priya');
    const person = await makeUser(haven, priya, 'designated_officer', council, 'Kit Kept');
    const started = await priya.post<{ recovery: { id: string } }>(`/api/users/${person.id}/mfa-recovery`, checkedNow());
    const id = started.body.recovery.id;

    // Someone else signed in has no open recovery of their own: told so, and the person's stays open.
    const morgan = await people.as('Morgan');
    expect((await morgan.get<OwnRecovery>('/api/me/mfa-recovery')).body.recovery).toBeNull();
    expect((await morgan.post<ErrorBody>('/api/me/mfa-recovery/cancel', { why: 'not_requested' })).body.error.code).toBe('no_open_recovery');
    // The admin who started it cannot pass as the person here either: their own account has none.
    expect((await priya.post<ErrorBody>('/api/me/mfa-recovery/cancel', { why: 'not_requested' })).status).toBe(404);
    expect((await recoveryInAdminList(id))?.status).toBe('awaiting_confirmation');

    expect((await new ApiClient(haven.url).post<ErrorBody>('/api/me/mfa-recovery/cancel', { why: 'not_requested' })).status).toBe(401);
    expect((await new ApiClient(haven.url).get('/api/me/mfa-recovery')).status).toBe(401);
    const noCsrf = await fetch(`${haven.url}/api/me/mfa-recovery/cancel`, {
      method: 'POST',
      headers: { cookie: person.client.cookieHeader(), 'content-type': 'application/json' },
      body: JSON.stringify({ why: 'not_requested' }),
    });
    expect(noCsrf.status).toBe(403);
    for (const body of [{}, { why: 'because' }, { why: 'not_requested', extra: 1 }, { why: ['not_requested'] }]) {
      const bad = await person.client.post<ErrorBody>('/api/me/mfa-recovery/cancel', body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.body.error.message).toBeTruthy();
      expect(JSON.stringify(bad.body)).not.toMatch(/\.ts:\d+|at [A-Za-z]+ \(/);
    }
    expect((await recoveryInAdminList(id))?.status).toBe('awaiting_confirmation');
    expect(await auditOf('account.mfa_recovery_cancelled', person.id)).toHaveLength(0);
  });

  it('a session of an account that shows no second factor cannot cancel: being signed in proves nothing then', async () => {
    const db = await rawClient(haven.database.url);
    try {
      const priya = await people.as('Priya');
      const person = await makeUser(haven, priya, 'practitioner', council, 'Nia No Factor');
      const started = await priya.post<{ recovery: { id: string } }>(`/api/users/${person.id}/mfa-recovery`, checkedNow());
      // The account's second factor taken away under a live session (as for one never set up): policy reads the account, not the session.
      const client = await signInAgain(person);
      await db.query('update users set totp_enrolled_at = null where id = $1', [person.id]);
      const seen = await client.get<OwnRecovery>('/api/me/mfa-recovery');
      expect(seen.status).toBe(200);
      expect(seen.body.recovery).toMatchObject({ cancellable: false });
      const refused = await client.post<ErrorBody>('/api/me/mfa-recovery/cancel', { why: 'not_requested' });
      expect(refused).toMatchObject({ status: 403, body: { error: { code: 'mfa_not_enrolled' } } });
      expect((await recoveryInAdminList(started.body.recovery.id))?.status).toBe('link_sent');
    } finally {
      await db.end();
    }
  });
});
