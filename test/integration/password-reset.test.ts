import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { createMailTransport } from '../../server/notifications/mail-transport';
import { sendNotice } from '../../server/notifications/send.service';
import { ApiClient } from '../support/client';
import { rawClient } from '../support/database';
import { startTestHaven, TestClock, type TestHaven } from '../support/haven';
import { mailEnv, outboxRows } from '../support/mail-outbox';
import { People } from '../support/people';
import { TestSmtpServer } from '../support/smtp';
import { totpCode } from '../support/totp';

// Self-service password reset through the real HTTP interface, the e-mail delivered by the mail
// worker's send step to a real SMTP server: the link works once, until it expires, only with the
// second factor, and ends every session; an unknown address gets the same answer and no e-mail.
const clock = new TestClock();
let smtp: TestSmtpServer;
let haven: TestHaven;
const people = new People(() => haven);
const NEW_PASSWORD = 'a completely new passphrase 2026';

beforeAll(async () => {
  await ready();
  smtp = await TestSmtpServer.start();
  haven = await startTestHaven({ seedDemo: true, clock: clock.now, env: mailEnv(smtp.url) });
});
afterAll(async () => {
  await haven?.close();
  await smtp?.stop();
});

const anonymous = () => new ApiClient(haven.url);
const ask = (email: string) => anonymous().post<{ status: string }>('/api/auth/password-reset', { email });

/** Sends the queued reset e-mails (the mail worker's step) and returns the token in the newest one to this address. */
async function linkSentTo(email: string): Promise<string> {
  const transport = createMailTransport(haven.ctx.config);
  for (const row of await outboxRows(haven, `o.kind = 'password_reset' and o.status = 'queued'`)) await sendNotice(haven.ctx, transport, row.id);
  const mail = smtp
    .to(email)
    .filter((m) => m.subject === 'Reset your Haven password')
    .at(-1);
  const token = /#\/reset-password\/([A-Za-z0-9_-]{43})/.exec(mail?.text ?? '')?.[1];
  if (!token) throw new Error(`no reset link e-mailed to ${email}`);
  return token;
}

describe('asking for a link', () => {
  it('answers the same for an unknown address, and e-mails nothing', async () => {
    const known = await ask(haven.account('Morgan').email);
    const unknown = await ask('nobody.here@police.northmoor.example');
    expect(unknown.status).toBe(known.status);
    expect(unknown.body).toEqual(known.body);
    expect(known).toMatchObject({ status: 202, body: { status: 'sent_if_known' } });
    await linkSentTo(haven.account('Morgan').email);
    expect(smtp.to('nobody.here@police.northmoor.example')).toEqual([]);
  });

  it('refuses a malformed address in one line, and a malformed link', async () => {
    const bad = await anonymous().post<{ error: { code: string; message: string } }>('/api/auth/password-reset', { email: 'not an address', extra: 1 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).not.toMatch(/\.ts:\d+/);
    expect((await anonymous().get('/api/auth/password-reset/short')).status).toBe(400);
  });

  it('sends at most three links an hour to one address; a fourth request is answered the same and sends nothing', async () => {
    const email = haven.account('Alex').email;
    for (let i = 0; i < 4; i++) expect((await ask(email)).status).toBe(202);
    expect(await outboxRows(haven, `u.email = $1 and o.kind = 'password_reset'`, [email])).toHaveLength(3);
  });

  it('a suspended account gets no link', async () => {
    const sam = await people.as('Sam');
    const users = (await sam.get<{ users: { id: string; email: string }[] }>('/api/users?status=all')).body.users;
    const ruth = users.find((u) => u.email === haven.account('Ruth').email);
    expect((await sam.post(`/api/users/${ruth?.id}/suspend`, { reason: 'Testing password reset' })).status).toBe(200);
    expect((await ask(haven.account('Ruth').email)).status).toBe(202);
    expect(await outboxRows(haven, `u.email = $1 and o.kind = 'password_reset'`, [haven.account('Ruth').email])).toEqual([]);
  });
});

describe('using the link', () => {
  it('needs the current code; then sets the password, ends every session (the live socket too) and works only once', async () => {
    const jordan = haven.account('Jordan');
    const signedIn = new ApiClient(haven.url);
    expect((await signedIn.signIn(jordan)).status).toBe(200);
    const socket = signedIn.socket();
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
    const ended = new Promise<unknown>((resolve) => socket.once('session:ended', resolve));

    await ask(jordan.email);
    const token = await linkSentTo(jordan.email);
    expect((await anonymous().get<{ expiresAt: string }>(`/api/auth/password-reset/${token}`)).body.expiresAt).toBeDefined();

    // A wrong code: refused, counted, and the link still works.
    const wrong = await anonymous().post(`/api/auth/password-reset/${token}`, { password: NEW_PASSWORD, code: '000000' });
    expect(wrong.status).toBe(401);
    expect((await anonymous().get(`/api/auth/password-reset/${token}`)).status).toBe(200);
    // A password too short: refused before anything is used.
    expect((await anonymous().post(`/api/auth/password-reset/${token}`, { password: 'short', code: '123456' })).status).toBe(400);

    const done = await anonymous().post(`/api/auth/password-reset/${token}`, { password: NEW_PASSWORD, code: totpCode(jordan.totpSecret ?? '') });
    expect(done).toMatchObject({ status: 200, body: { status: 'password_changed' } });
    expect(await ended).toEqual({ reason: 'signed_out_everywhere' });
    socket.close();
    expect((await signedIn.get<{ session: unknown }>('/api/session')).body.session).toBeNull();

    // The old password no longer works; the new one does (then the code, as always).
    expect((await anonymous().post('/api/auth/sign-in', { email: jordan.email, password: jordan.password })).status).toBe(401);
    expect(
      (await anonymous().post<{ session: { stage: string } }>('/api/auth/sign-in', { email: jordan.email, password: NEW_PASSWORD })).body.session.stage,
    ).toBe('mfa_required');

    // Used: the link is dead.
    expect((await anonymous().get(`/api/auth/password-reset/${token}`)).status).toBe(404);
    const again = await anonymous().post<{ error: { code: string } }>(`/api/auth/password-reset/${token}`, {
      password: 'yet another passphrase',
      code: '123456',
    });
    expect(again).toMatchObject({ status: 404, body: { error: { code: 'reset_link_invalid' } } });

    // Told by e-mail, and audited.
    const changed = await outboxRows(haven, `u.email = $1 and o.kind = 'password_changed'`, [jordan.email]);
    expect(changed).toHaveLength(1);
    const db = await rawClient(haven.database.url);
    try {
      const { rows } = await db.query<{ action: string }>(`select action from audit_entries where action like 'auth.password_reset%' order by seq`);
      expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining(['auth.password_reset_requested', 'auth.password_reset']));
      // Only the token's hash is kept.
      expect((await db.query(`select 1 from password_resets where token_hash = $1`, [token])).rows).toEqual([]);
    } finally {
      await db.end();
    }
  });

  it('raced eight times with the right code, exactly one use succeeds', async () => {
    const priya = haven.account('Priya');
    await ask(priya.email);
    const token = await linkSentTo(priya.email);
    const code = totpCode(priya.totpSecret ?? '');
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => anonymous().post(`/api/auth/password-reset/${token}`, { password: `${NEW_PASSWORD} ${i}`, code })),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.every((a) => [200, 401, 404].includes(a.status))).toBe(true);
  });

  it('expires', async () => {
    const sam = haven.account('Sam');
    await ask(sam.email);
    const token = await linkSentTo(sam.email);
    expect((await anonymous().get(`/api/auth/password-reset/${token}`)).status).toBe(200);
    clock.advanceSeconds(31 * 60);
    expect((await anonymous().get(`/api/auth/password-reset/${token}`)).status).toBe(404);
    const late = await anonymous().post(`/api/auth/password-reset/${token}`, { password: NEW_PASSWORD, code: totpCode(sam.totpSecret ?? '', clock.now()) });
    expect(late.status).toBe(404);
  });
});
