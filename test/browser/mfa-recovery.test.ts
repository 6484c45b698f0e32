import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { ApiClient } from '../support/client';
import { startTestHaven, type TestHaven } from '../support/haven';
import { mailEnv } from '../support/mail-outbox';
import { People } from '../support/people';
import { Practitioner, welfareRecord } from '../support/practitioner';
import { recoveryLinkSentTo } from '../support/recovery';
import { TestSmtpServer } from '../support/smtp';
import { totpCode } from '../support/totp';
import { checkScreen } from './axe';
import { launchBrowser, freshBrowser as openFreshBrowser } from './browser';
import { openAccountWithKeys, sealToBrowserUser, signInInBrowser } from './people-in-browsers';

// Jordan loses his phone. He had backed up his keys and printed a recovery key, then forgot the
// passphrase. Priya (the council's admin) checks who he is and starts the recovery; the link from
// the e-mail, his password and a new authenticator app get him back in on a new browser; the
// printed recovery key brings back his keys, and the message Morgan sent before opens.
let haven: TestHaven;
let smtp: TestSmtpServer;
let browser: Browser;
const people = new People(() => haven);
const contexts: BrowserContext[] = [];
let morgan: Practitioner;
const TEXT = 'Lily’s school asked about the new address.';

beforeAll(async () => {
  await ready();
  smtp = await TestSmtpServer.start();
  haven = await startTestHaven({ seedDemo: true, env: mailEnv(smtp.url) });
  browser = await launchBrowser();
  morgan = new Practitioner(await people.as('Morgan'));
  await morgan.publishKeys();
  await morgan.connect();
});
afterAll(async () => {
  morgan?.disconnect();
  for (const context of contexts) await context.close();
  await browser?.close();
  await haven?.close();
  await smtp?.stop();
});

const freshBrowser = () => openFreshBrowser(browser, contexts);
/** Priya's signed-in browser, kept from the first test for the last. */
let priya: Awaited<ReturnType<typeof freshBrowser>> | null = null;

describe('recovering a lost authenticator app in Chromium', () => {
  it(
    'the admin starts it, the link re-enrols Jordan on a new browser, and his printed recovery key restores his keys and history',
    { timeout: 180_000 },
    async () => {
      const a11y: string[] = [];
      // Browser A: keys made at sign-in, backed up under a passphrase, then a printed recovery key.
      const a = await freshBrowser();
      await signInInBrowser(a.page, haven, 'Jordan');
      await a.page.getByLabel('Recovery passphrase').fill('a passphrase he will forget');
      await a.page.getByLabel('Type it again').fill('a passphrase he will forget');
      await a.page.getByRole('button', { name: 'Create a recovery passphrase' }).click();
      await a.page.getByText('Your keys are backed up.').waitFor({ timeout: 30_000 });
      await a.page.getByRole('button', { name: 'Make a recovery key' }).click();
      const printed = await a.page.locator('.recovery-key .key code').innerText({ timeout: 15_000 });
      expect(printed).toMatch(/^([0-9A-Z]{4}-){13}[0-9A-Z]{4}$/);
      a11y.push(...(await checkScreen(a.page, 'recovery key shown once')));
      await a.page.getByRole('button', { name: 'I have kept it safe' }).click();
      expect(await a.page.getByText(printed).count()).toBe(0);

      // Morgan sends Jordan a message, sealed to the keys browser A made.
      const jordanId = (await morgan.api.get<{ people: { id: string }[] }>('/api/people?name=Jordan')).body.people[0]?.id ?? '';
      const lilyId = (await morgan.api.get<{ children: { id: string }[] }>('/api/children?name=Lily+Hartwell')).body.children[0]?.id ?? '';
      expect((await morgan.api.post(`/api/children/${lilyId}/open`, { reason: 'Planning a joint visit with children’s services' })).status).toBe(200);
      const started = await morgan.api.post<{ thread: { id: string; childId: string } }>(`/api/children/${lilyId}/threads`, {
        participants: [{ userId: jordanId, needToKnowReason: 'Lily’s social worker' }],
        record: welfareRecord,
      });
      expect(started.status).toBe(201);
      expect(await morgan.send(await sealToBrowserUser(morgan, started.body.thread, jordanId, TEXT))).toMatchObject({ ok: true });

      // Priya, after a video call with Jordan, starts the recovery from his card.
      const p = await freshBrowser();
      await signInInBrowser(p.page, haven, 'Priya');
      priya = p;
      await p.page.goto(`${haven.url}/#/admin/users`);
      await p.page.getByLabel('Show users').selectOption('all');
      await p.page.getByRole('button', { name: 'Lost authenticator app: Jordan Ellis' }).click();
      await p.page.getByLabel('How did you check who they are?').selectOption('video_call_photo_id');
      await p.page.getByLabel(/^Why/).fill('Phone lost on a home visit');
      await p.page.getByRole('button', { name: 'Start the recovery' }).click();
      await p.page.getByText('A one-time link is e-mailed to Jordan Ellis').waitFor({ timeout: 15_000 });
      await p.page.getByRole('heading', { name: 'Sign-in recoveries' }).waitFor();
      await p.page.getByText('Link e-mailed').first().waitFor({ timeout: 15_000 });
      a11y.push(...(await checkScreen(p.page, 'admin starts a recovery')));

      // Browser A was signed out at once.
      await a.page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 15_000 });

      // Browser B: the link, his password, a new authenticator app.
      const token = await recoveryLinkSentTo(haven, smtp, haven.account('Jordan').email);
      const b = await freshBrowser();
      await b.page.goto(`${haven.url}/#/recover/${token}`);
      await b.page.getByRole('heading', { level: 1, name: 'Set up your sign-in again' }).waitFor({ timeout: 15_000 });
      await b.page.getByLabel('Your password').fill(haven.account('Jordan').password);
      await b.page.getByRole('button', { name: 'Continue' }).click();
      const secret = (await b.page.locator('.secret code').innerText({ timeout: 15_000 })).replace(/\s/g, '');
      a11y.push(...(await checkScreen(b.page, 'recovery link: new authenticator')));
      await b.page.getByLabel('Code from your new authenticator app').fill(totpCode(secret));
      await b.page.getByRole('button', { name: 'Confirm code' }).click();
      await b.page.getByText('Your new authenticator app is set up and you are signed in.').waitFor({ timeout: 15_000 });

      // His keys are elsewhere; the printed recovery key, typed in lower case, brings them back.
      await b.page.getByRole('link', { name: 'your account page' }).click();
      await openAccountWithKeys(b.page);
      await b.page.getByRole('button', { name: 'Forgotten your passphrase? Use your printed recovery key' }).click();
      await b.page.getByLabel('Recovery key').fill(printed.toLowerCase());
      await b.page.getByRole('button', { name: 'Restore your keys' }).click();
      await b.page.getByText('Your keys are restored in this browser.').waitFor({ timeout: 30_000 });

      await b.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Conversations' }).click();
      await b.page.getByRole('link', { name: 'Conversation with Morgan Reid' }).click();
      await b.page.getByRole('article').filter({ hasText: TEXT }).waitFor({ timeout: 15_000 });

      // The link is spent.
      await b.page.goto(`${haven.url}/#/recover/${token}`);
      await b.page.getByText('This link has expired, was cancelled or replaced by a newer one, or has already been used.').waitFor({ timeout: 15_000 });

      expect(a11y).toEqual([]);
      expect(p.problems).toEqual([]);
      expect(b.problems).toEqual([]);
    },
  );

  it(
    'with neither the passphrase nor a recovery key, Ruth makes new keys and is told plainly that the message sent before can no longer be opened',
    { timeout: 180_000 },
    async () => {
      // Browser A: Ruth's keys are made at her first sign-in; she never backs them up.
      const a = await freshBrowser();
      await signInInBrowser(a.page, haven, 'Ruth');
      const ruthId = (await morgan.api.get<{ people: { id: string }[] }>('/api/people?name=Ruth')).body.people[0]?.id ?? '';
      const lilyId = (await morgan.api.get<{ children: { id: string }[] }>('/api/children?name=Lily+Hartwell')).body.children[0]?.id ?? '';
      const started = await morgan.api.post<{ thread: { id: string; childId: string } }>(`/api/children/${lilyId}/threads`, {
        participants: [{ userId: ruthId, needToKnowReason: 'Designated officer for the family' }],
        record: welfareRecord,
      });
      expect(started.status).toBe(201);
      expect(await morgan.send(await sealToBrowserUser(morgan, started.body.thread, ruthId, 'Sent before the phone was lost'))).toMatchObject({ ok: true });

      // A designated officer: Priya starts the recovery, Sam confirms it (the two-person rule).
      const asked = await (
        await people.as('Priya')
      ).post<{ recovery: { id: string; status: string } }>(`/api/users/${ruthId}/mfa-recovery`, {
        identityCheck: { method: 'in_person_photo_id', checkedAt: new Date().toISOString() },
        reason: 'Phone stolen',
      });
      expect(asked.body.recovery.status).toBe('awaiting_confirmation');
      expect((await (await people.as('Sam')).post(`/api/mfa-recoveries/${asked.body.recovery.id}/confirm`)).status).toBe(200);

      const token = await recoveryLinkSentTo(haven, smtp, haven.account('Ruth').email);
      const b = await freshBrowser();
      await b.page.goto(`${haven.url}/#/recover/${token}`);
      await b.page.getByLabel('Your password').fill(haven.account('Ruth').password);
      await b.page.getByRole('button', { name: 'Continue' }).click();
      const secret = (await b.page.locator('.secret code').innerText({ timeout: 15_000 })).replace(/\s/g, '');
      await b.page.getByLabel('Code from your new authenticator app').fill(totpCode(secret));
      await b.page.getByRole('button', { name: 'Confirm code' }).click();
      await b.page.getByText('Your new authenticator app is set up and you are signed in.').waitFor({ timeout: 15_000 });

      await b.page.getByRole('link', { name: 'your account page' }).click();
      await openAccountWithKeys(b.page);
      await b.page.getByRole('button', { name: 'Replace my keys' }).click();
      await b.page.getByText('every message and summary shared with you until now').waitFor();
      await b.page.getByRole('alert').getByRole('button', { name: 'Replace my keys' }).click();
      await b.page.getByText('can no longer be opened, by you or anyone. Create a recovery passphrase').waitFor({ timeout: 30_000 });

      await b.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Conversations' }).click();
      await b.page.getByRole('link', { name: 'Conversation with Morgan Reid' }).click();
      await b.page.getByText('This message was sealed to your earlier encryption keys').waitFor({ timeout: 15_000 });
      expect(await b.page.getByText('Sent before the phone was lost').count()).toBe(0);
      expect(b.problems).toEqual([]);
    },
  );
  it('an admin cancels a recovery started by mistake: the link stops working', { timeout: 120_000 }, async () => {
    // Priya's browser from the first test, still signed in: a third sign-in of hers within one
    // 30-second window would need a code she has already used.
    const p = priya ?? (await freshBrowser());
    if (!priya) await signInInBrowser(p.page, haven, 'Priya');
    await p.page.goto(`${haven.url}/#/admin/users`);
    // A fresh page state: the first test left Jordan's card as it was.
    await p.page.reload();
    await p.page.getByLabel('Show users').selectOption('all');
    await p.page.getByRole('button', { name: 'Lost authenticator app: Jordan Ellis' }).click();
    await p.page.getByLabel('How did you check who they are?').selectOption('call_back_known_number');
    await p.page.getByLabel(/^Why/).fill('Said he lost his phone again');
    await p.page.getByRole('button', { name: 'Start the recovery' }).click();
    await p.page.getByText('A one-time link is e-mailed to Jordan Ellis').waitFor({ timeout: 15_000 });
    const token = await recoveryLinkSentTo(haven, smtp, haven.account('Jordan').email);
    expect((await new ApiClient(haven.url).get(`/api/auth/mfa-recovery/${token}`)).status).toBe(200);

    // Jordan rings back: the phone was in his car. Priya cancels it from the recoveries list.
    const card = p.page.getByRole('listitem').filter({ hasText: 'Said he lost his phone again' });
    await card.getByRole('button', { name: 'Cancel this recovery of Jordan Ellis' }).click();
    await card.getByRole('button', { name: 'Cancel the recovery of Jordan Ellis' }).click();
    await card.getByText('Enter why you are cancelling the recovery').first().waitFor();
    await card.getByLabel('Why are you cancelling it?').fill('The phone was in his car after all');
    const a11y = await checkScreen(p.page, 'admin cancels a recovery');
    await card.getByRole('button', { name: 'Cancel the recovery of Jordan Ellis' }).click();
    await card.getByText('Cancelled by an admin').waitFor({ timeout: 15_000 });
    expect(await card.getByRole('button', { name: 'Cancel this recovery of Jordan Ellis' }).count()).toBe(0);
    expect((await new ApiClient(haven.url).get(`/api/auth/mfa-recovery/${token}`)).status).toBe(404);
    expect(a11y).toEqual([]);
    expect(p.problems).toEqual([]);
  });

  it(
    'someone posed as Morgan: signed in with his authenticator, he cancels it from his account page, and the admins’ list says he never asked',
    { timeout: 120_000 },
    async () => {
      const asked = await (
        await people.as('Sam')
      ).post<{ recovery: { id: string; status: string } }>(`/api/users/${morgan.userId}/mfa-recovery`, {
        identityCheck: { method: 'call_back_known_number', checkedAt: new Date().toISOString() },
        reason: 'A caller said he lost his phone',
      });
      expect(asked.body.recovery.status).toBe('link_sent');
      const token = await recoveryLinkSentTo(haven, smtp, haven.account('Morgan').email);

      // The link ended his sessions; he signs in with the authenticator app he still has.
      const m = await freshBrowser();
      await signInInBrowser(m.page, haven, 'Morgan');
      const notice = m.page.getByRole('region', { name: 'An admin started a recovery of your sign-in' });
      await notice.getByText(/Sam Okafor started the recovery of your two-factor sign-in/).waitFor({ timeout: 15_000 });
      await notice.getByText('called back on a number already on record').waitFor();
      const a11y = await checkScreen(m.page, 'a recovery of your own sign-in, on the account page');
      await notice.getByRole('button', { name: 'I did not ask for this: cancel it' }).click();
      await m.page.getByRole('status').filter({ hasText: 'The recovery is cancelled and its link no longer works.' }).waitFor({ timeout: 15_000 });
      expect(await notice.count()).toBe(0);
      expect((await new ApiClient(haven.url).get(`/api/auth/mfa-recovery/${token}`)).status).toBe(404);

      // Sam's list of recoveries warns that Morgan never asked.
      const s = await freshBrowser();
      await signInInBrowser(s.page, haven, 'Sam');
      await s.page.goto(`${haven.url}/#/admin/users`);
      const card = s.page.getByRole('listitem').filter({ hasText: 'A caller said he lost his phone' });
      await card.getByText('Cancelled by the person, who says they never asked for it').waitFor({ timeout: 15_000 });
      await card.getByText('Someone may have posed as Morgan Reid').waitFor();
      a11y.push(...(await checkScreen(s.page, 'a recovery the person never asked for, on the admins’ list')));
      expect(a11y).toEqual([]);
      expect(m.problems).toEqual([]);
      expect(s.problems).toEqual([]);
    },
  );
});
