import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateIdentity, keyFingerprint, publicIdentity, ready, safetyNumber } from '../../crypto';
import { findUserByEmail } from '../../server/accounts/accounts.store';
import { confirmDemoKeys } from '../support/confirm-keys';
import { startTestHaven, type TestHaven } from '../support/haven';
import { logAsServer } from '../support/malicious-server';
import { People } from '../support/people';
import { Practitioner } from '../support/practitioner';
import { SCREENSHOTS, launchBrowser, watchForProblems } from './browser';
import { signInInBrowser, startConversationWithMorgan } from './people-in-browsers';

// Issue 17 item 2 in Chromium: keys that no certified admin of their agency has confirmed are not
// sealed to silently. The sender sees who, why, and the safety number to compare, and nothing is
// sent until they accept; a confirmed key that the server later swaps for its own (correctly
// logged) is flagged as a change that nobody confirmed.

let haven: TestHaven;
let browser: Browser;
const people = new People(() => haven);
let morgan: Practitioner;
let page: Page;
let problems: string[];

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  browser = await launchBrowser();
  // Morgan Reid set up keys in his own browser (played by Node); nobody has confirmed them yet.
  morgan = new Practitioner(await people.as('Morgan'));
  await morgan.publishKeys();
  await morgan.connect();
  const context = await browser.newContext();
  page = await context.newPage();
  problems = watchForProblems(page);
  await signInInBrowser(page, haven, 'Jordan');
});
afterAll(async () => {
  morgan?.disconnect();
  await browser?.close();
  await haven?.close();
});

describe('keys nobody has confirmed, in Chromium', () => {
  it('blocks the send with the safety number until the sender accepts; then it goes', { timeout: 120_000 }, async () => {
    await startConversationWithMorgan(page, {
      reason: 'To talk to the police about a home visit for Lily',
      purpose: 'To plan a joint home visit this week.',
      proportionate: 'Only what the visiting officer needs to know about the household.',
    });
    const notice = page
      .getByRole('alert')
      .filter({ hasText: 'Morgan Reid’s agency has not yet confirmed their security keys' })
      .filter({ has: page.getByRole('button', { name: 'I have checked, send to Morgan Reid' }) });
    await page.getByLabel('Message', { exact: true }).fill('The visit is at 3pm.');
    await page.getByRole('button', { name: 'Send securely' }).click();
    await page.getByText('Nothing was sent.').first().waitFor({ timeout: 15_000 });
    await notice.waitFor();
    // The safety number shown is the one both can compute from their own keys.
    const jordan = await findUserByEmail(haven.ctx.db, haven.account('Jordan').email);
    const { body } = await morgan.api.get<{ keys: { userId: string; fingerprint: string }[] }>(`/api/keys?userIds=${jordan?.id ?? ''}`);
    const jordanKeys = body.keys[0];
    if (!jordanKeys) throw new Error('Jordan has no published keys');
    expect(await notice.locator('code').innerText()).toBe(safetyNumber(jordanKeys, { userId: morgan.userId, fingerprint: morgan.fingerprint }));
    expect(morgan.received).toHaveLength(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'unconfirmed-keys-step.png'), fullPage: true });

    await notice.getByRole('button', { name: 'I have checked, send to Morgan Reid' }).click();
    await notice.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Send securely' }).click();
    await page.getByRole('status').filter({ hasText: 'Sent' }).waitFor({ timeout: 15_000 });
    await vi.waitFor(() => expect(morgan.received).toHaveLength(1), { timeout: 15_000 });
    expect(problems).toEqual([]);
  });

  it(
    'once an admin confirms the keys, no step; when the server swaps them for its own, the change says nobody confirmed it',
    { timeout: 120_000 },
    async () => {
      await confirmDemoKeys(haven, ['Morgan']);
      await page.reload();
      await page.getByRole('heading', { name: 'Conversation', level: 1 }).waitFor();
      await page.getByLabel('Message', { exact: true }).fill('Please bring the visit forward to 2pm.');
      await page.getByRole('button', { name: 'Send securely' }).click();
      await page.getByRole('status').filter({ hasText: 'Sent' }).waitFor({ timeout: 15_000 });
      await vi.waitFor(() => expect(morgan.received).toHaveLength(2), { timeout: 15_000 });

      // The server logs a key of its own for Morgan, correctly, with no attestation it could forge.
      const fake = publicIdentity(generateIdentity());
      await logAsServer(haven, {
        v: 1,
        userId: morgan.userId,
        ...fake,
        fingerprint: keyFingerprint(fake),
        attestedBy: null,
        attestation: null,
        loggedAt: new Date().toISOString(),
      });
      await page.getByLabel('Message', { exact: true }).fill('Is 2pm all right?');
      await page.getByRole('button', { name: 'Send securely' }).click();
      const change = page
        .getByRole('alert')
        .filter({ hasText: 'Morgan Reid’s security keys have changed' })
        .filter({ has: page.getByRole('button', { name: 'I have checked, send to Morgan Reid' }) });
      await change.waitFor({ timeout: 15_000 });
      await change.getByText('Their agency has not yet confirmed their new keys.').waitFor();
      await page.getByText('Nothing was sent.').first().waitFor();
      await page.screenshot({ path: path.join(SCREENSHOTS, 'unconfirmed-key-change.png'), fullPage: true });
      expect(morgan.received).toHaveLength(2);
    },
  );
});
