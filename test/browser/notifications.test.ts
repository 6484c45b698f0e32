import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, welfareRecord } from '../support/practitioner';
import { checkScreen } from './axe';
import { SCREENSHOTS, launchBrowser, watchForProblems } from './browser';
import { sealToBrowserUser, signInInBrowser } from './people-in-browsers';

// Issue 19 in Chromium: a practitioner sets what comes by e-mail and when (and it stays set), an
// agency admin sets the agency's defaults, and with notifications allowed, a message arriving
// while Haven's tab is in the background (as far as the page can tell: see IN_PAGE) shows a notification that says how many, nothing else,
// and the tab's title carries the count.
let haven: TestHaven;
let browser: Browser;
const people = new People(() => haven);
const TEXT = 'Lily told her teacher she is scared to go home on Friday';

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await haven?.close();
});

/**
 * Records each notification the page makes, after the real one is made (so a refused one is not
 * counted). A string: it runs in the page, before Haven's own script.
 *
 * It also lets the test say when the page is in the background. Headless Chromium reports every
 * page as visible whatever is done to it: tried here with Debian's Chromium 156 — another tab
 * brought to the front (in the same window and in another), the window minimised through the
 * DevTools protocol, Playwright's focus emulation and its "no backgrounding" flags turned off,
 * and headed under Xvfb. So the page's visibility is set by the test (`setTestVisibility`, which
 * fires `visibilitychange` as the browser would); the notification itself is Chromium's own.
 */
const IN_PAGE = `(() => {
  const Real = window.Notification;
  const made = [];
  const objects = [];
  class Recorded extends Real {
    constructor(title, options) {
      super(title, options);
      made.push({ title, body: (options && options.body) || '' });
      objects.push(this);
    }
  }
  Object.defineProperty(Recorded, 'requestPermission', { value: Real.requestPermission.bind(Real) });
  let hidden = false;
  Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
  Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => hidden });
  const setTestVisibility = (toHidden) => {
    hidden = toHidden;
    document.dispatchEvent(new Event('visibilitychange'));
  };
  Object.assign(window, { Notification: Recorded, madeNotifications: made, notificationObjects: objects, setTestVisibility });
})();`;

const visibility = (page: Page) => page.evaluate<string>('document.visibilityState');
const setHidden = (page: Page, hidden: boolean) => page.evaluate(`window.setTestVisibility(${hidden})`);

const emailSection = (page: Page) => page.getByRole('group', { name: 'How often to e-mail about new messages' });

describe('notification settings and browser notifications in Chromium', () => {
  it('preferences and quiet hours persist, agency defaults apply, and a background tab is notified without content', { timeout: 120_000 }, async () => {
    const a11y: string[] = [];
    const context = await browser.newContext();
    await context.grantPermissions(['notifications'], { origin: haven.url });
    await context.addInitScript(IN_PAGE);
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await signInInBrowser(page, haven, 'Jordan');

    // Jordan's own choices: at most hourly, quiet hours 21:00–07:30.
    await page.getByRole('heading', { name: 'E-mails and notifications', level: 2 }).waitFor();
    await page.getByText('You are using Haven’s standard settings.').waitFor();
    await emailSection(page).getByLabel('At most once an hour').check();
    await page.getByLabel('Hold e-mails during quiet hours').check();
    await page.getByLabel('Quiet hours start').fill('21:00');
    await page.getByLabel('Quiet hours end').fill('21:00');
    await page.getByRole('button', { name: 'Save e-mail settings' }).click();
    await page.getByRole('alert').getByRole('link', { name: 'Quiet hours must end at a different time from when they start' }).waitFor();
    await page.getByLabel('Quiet hours end').fill('07:30');
    await page.getByRole('button', { name: 'Save e-mail settings' }).click();
    await page.getByRole('region', { name: 'Success' }).getByText('Your e-mail settings are saved.').waitFor({ timeout: 15_000 });
    a11y.push(...(await checkScreen(page, 'account: e-mail settings saved')));

    await page.reload();
    await page.getByText('These are your own settings.').waitFor({ timeout: 15_000 });
    expect(await emailSection(page).getByLabel('At most once an hour').isChecked()).toBe(true);
    expect(await page.getByLabel('Hold e-mails during quiet hours').isChecked()).toBe(true);
    expect(await page.getByLabel('Quiet hours start').inputValue()).toBe('21:00');
    expect(await page.getByLabel('Quiet hours end').inputValue()).toBe('07:30');

    // Priya, the council's admin, makes "once a day" the agency's default; Jordan goes back to it.
    const adminContext = await browser.newContext();
    const admin = await adminContext.newPage();
    const adminProblems = watchForProblems(admin);
    await signInInBrowser(admin, haven, 'Priya');
    const agencyForm = admin.locator('form').filter({ has: admin.getByRole('button', { name: 'Save agency e-mail settings' }) });
    await agencyForm.getByLabel('At most once a day').check();
    await agencyForm.getByRole('button', { name: 'Save agency e-mail settings' }).click();
    await admin.getByText('Your agency’s e-mail settings are saved.').waitFor({ timeout: 15_000 });
    a11y.push(...(await checkScreen(admin, 'account: agency e-mail settings')));
    await admin.screenshot({ path: path.join(SCREENSHOTS, 'notifications-agency-defaults.png'), fullPage: true });
    await admin.reload();
    await admin.getByRole('button', { name: 'Save agency e-mail settings' }).waitFor({ timeout: 15_000 });
    expect(
      await admin
        .locator('form')
        .filter({ has: admin.getByRole('button', { name: 'Save agency e-mail settings' }) })
        .getByLabel('At most once a day')
        .isChecked(),
    ).toBe(true);
    await adminContext.close();

    await page.getByRole('button', { name: 'Use my agency’s settings instead' }).click();
    await page.getByText('You now get your agency’s e-mail settings.').waitFor({ timeout: 15_000 });
    await page.getByText('You are using your agency’s settings.').waitFor();
    expect(await emailSection(page).getByLabel('At most once a day').isChecked()).toBe(true);

    // Browser notifications, turned on by Jordan's click (the permission is granted to this origin).
    await page.getByRole('button', { name: 'Turn on notifications in this browser' }).click();
    await page.getByText('Notifications are on in this browser.').waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'notifications-account.png'), fullPage: true });

    // Haven's tab goes to the background (see IN_PAGE).
    await setHidden(page, true);
    await expect.poll(() => visibility(page)).toBe('hidden');

    // Morgan (police) writes to Jordan about Lily.
    const morgan = new Practitioner(await people.as('Morgan'));
    await morgan.publishKeys();
    await morgan.connect();
    const jordanId = (await morgan.api.get<{ people: { id: string }[] }>('/api/people?name=Jordan')).body.people[0]?.id ?? '';
    const lilyId = (await morgan.api.get<{ children: { id: string }[] }>('/api/children?name=Lily+Hartwell')).body.children[0]?.id ?? '';
    await morgan.api.post(`/api/children/${lilyId}/open`, { reason: 'Writing to the social worker' });
    const thread = (
      await morgan.api.post<{ thread: { id: string; childId: string } }>(`/api/children/${lilyId}/threads`, {
        participants: [{ userId: jordanId, needToKnowReason: 'Lily’s social worker' }],
        record: welfareRecord,
      })
    ).body.thread;
    expect(await morgan.send(await sealToBrowserUser(morgan, thread, jordanId, TEXT))).toMatchObject({ ok: true });

    const made = () => page.evaluate<{ title: string; body: string }[]>('window.madeNotifications');
    await expect.poll(made, { timeout: 15_000 }).toHaveLength(1);
    const [notice] = await made();
    expect(notice).toEqual({ title: 'Haven', body: 'You have 1 new secure message' });
    // Nothing of what the protocol protects: no child, no sender, no text.
    for (const secret of ['Lily', 'Hartwell', 'Morgan', 'scared', 'teacher']) expect(JSON.stringify(notice)).not.toContain(secret);
    await expect.poll(() => page.title()).toMatch(/^\(1\) /);

    // Clicking the notification brings Haven to the front on the conversations.
    await page.evaluate(`window.notificationObjects[0].onclick(new Event('click'))`);
    await page.getByRole('heading', { level: 1, name: 'Conversations' }).waitFor({ timeout: 15_000 });

    // In the foreground, no notification: the in-page notice is enough.
    await setHidden(page, false);
    await expect.poll(() => visibility(page)).toBe('visible');
    expect(await morgan.send(await sealToBrowserUser(morgan, thread, jordanId, 'A second message'))).toMatchObject({ ok: true });
    await expect.poll(() => page.title(), { timeout: 15_000 }).toMatch(/^\(2\) /);
    expect(await made()).toHaveLength(1);

    morgan.disconnect();
    await context.close();
    expect(a11y).toEqual([]);
    expect(problems).toEqual([]);
    expect(adminProblems).toEqual([]);
  });

  it(
    'a system admin sets the e-mail defaults and the sign-in setting of an agency with no admin of its own, from the agencies screen',
    { timeout: 120_000 },
    async () => {
      // The demo's police have no agency admin: Sam sets their defaults and sign-in from the card.
      const context = await browser.newContext();
      const page = await context.newPage();
      const problems = watchForProblems(page);
      await signInInBrowser(page, haven, 'Sam');
      await page.goto(`${haven.url}/#/admin/agencies`);
      const card = page.getByRole('article', { name: 'Northmoor Constabulary' });
      await card.getByRole('button', { name: 'E-mail settings for Northmoor Constabulary' }).click();
      await card.getByRole('heading', { level: 4, name: 'E-mail settings for Northmoor Constabulary' }).waitFor({ timeout: 15_000 });
      const mailForm = card.locator('form').filter({ has: page.getByRole('button', { name: 'Save agency e-mail settings' }) });
      await mailForm.getByLabel('At most once a day').check();
      await mailForm.getByRole('button', { name: 'Save agency e-mail settings' }).click();
      await card.getByText('Northmoor Constabulary’s e-mail settings are saved.').waitFor({ timeout: 15_000 });
      const a11y = await checkScreen(page, 'agencies: an agency’s e-mail settings');
      await card.getByRole('button', { name: 'Close the e-mail settings for Northmoor Constabulary' }).click();

      await card.getByRole('button', { name: 'Sign-in setting for Northmoor Constabulary' }).click();
      await card.getByLabel('Let people in Northmoor Constabulary sign in with a passkey alone, without their password').check();
      await card.getByRole('button', { name: 'Save sign-in setting' }).click();
      await card.getByText('Northmoor Constabulary’s sign-in setting is saved.').waitFor({ timeout: 15_000 });
      a11y.push(...(await checkScreen(page, 'agencies: an agency’s sign-in setting')));
      await page.screenshot({ path: path.join(SCREENSHOTS, 'agencies-sign-in-setting.png'), fullPage: true });

      // Stored for the police, and the council's own settings untouched.
      const sam = await people.as('Sam');
      const agencies = (await sam.get<{ agencies: { id: string; name: string }[] }>('/api/agencies')).body.agencies;
      const police = agencies.find((a) => a.name === 'Northmoor Constabulary')?.id ?? '';
      const council = agencies.find((a) => a.name !== 'Northmoor Constabulary' && a.name.includes('Council'))?.id ?? '';
      expect((await sam.get<{ effective: { digest: string } }>(`/api/agencies/${police}/notification-defaults`)).body.effective.digest).toBe('daily');
      expect((await sam.get<{ passkeyOnlySignIn: boolean }>(`/api/agencies/${police}/sign-in-policy`)).body.passkeyOnlySignIn).toBe(true);
      expect((await sam.get<{ passkeyOnlySignIn: boolean }>(`/api/agencies/${council}/sign-in-policy`)).body.passkeyOnlySignIn).toBe(false);
      expect(a11y).toEqual([]);
      expect(problems).toEqual([]);
      await context.close();
    },
  );
});
