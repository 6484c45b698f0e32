import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { totpCode } from '../support/totp';
import { SCREENSHOTS, launchBrowser, watchForProblems } from './browser';

let haven: TestHaven;
let browser: Browser;
beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await haven?.close();
});

describe('web client in Chromium', () => {
  it('the demo agency admin signs in with two-factor and verifies a user', async () => {
    const priya = haven.account('Priya');
    const page = await browser.newPage();
    const problems = watchForProblems(page);
    await page.goto(haven.url);

    await page.getByLabel('Email address').fill(priya.email);
    await page.getByLabel('Password').fill(priya.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Security code').fill(totpCode(priya.totpSecret ?? ''));
    await page.getByRole('button', { name: 'Continue' }).click();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await page.getByRole('button', { name: 'Verify Taylor Brooks' }).click();
    const today = new Date().toISOString().slice(0, 10);
    await page.getByLabel('Identity checked on').fill(today);
    await page.getByLabel('Vetting (DBS) check date').fill(today);
    await page.getByLabel('Protocol training completed on').fill(today);
    await page.getByRole('button', { name: 'Verify user' }).click();

    // The card now shows Taylor as verified, with an expiry date.
    const card = page
      .locator('article, li, section')
      .filter({ hasText: 'Taylor Brooks' })
      .filter({ hasText: /verified/i })
      .first();
    await card.waitFor({ timeout: 10_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'admin-verifies-user.png'), fullPage: true });

    // The server agrees.
    const db = await rawClient(haven.database.url);
    const { rows } = await db.query<{ n: number }>(
      `select count(*)::int as n from verifications v join users u on u.id = v.user_id
        where u.name = 'Taylor Brooks' and v.verified_by = (select id from users where name = 'Priya Natarajan')`,
    );
    await db.end();
    expect(rows[0]?.n).toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  });
});
