import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { bornYearsAgo } from '../support/aged-children';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { launchBrowser, watchForProblems } from './browser';
import { signInInBrowser } from './people-in-browsers';

let haven: TestHaven;
let browser: Browser;

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await haven?.close();
});

describe('adding a child who has turned 19, in Chromium', () => {
  it('the form says why on the date of birth, and nothing is added', { timeout: 90_000 }, async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const problems = watchForProblems(page);
      await signInInBrowser(page, haven, 'Jordan');
      await page.goto(`${haven.url}/#/children/new`);
      await page.getByRole('heading', { name: 'Add a child to the index' }).waitFor();
      await page.getByLabel('Full name').fill('Kwame Asante-Boateng');
      await page.getByLabel('Date of birth').fill(bornYearsAgo(19, 3));
      await page.getByLabel('Gender').selectOption('male');
      await page.getByLabel('Address').fill('4 Weir Street, Northmoor');
      await page.getByLabel('Postcode').fill('NM4 7PL');
      await page.getByLabel('My agency provides a service to this child').check();
      await page.getByRole('button', { name: 'Add child to the index' }).click();

      const reason = 'This young person has turned 19: the index only holds children before their 19th birthday.';
      const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
      await summary.getByRole('link', { name: reason }).waitFor();
      await expect(page.getByLabel('Date of birth').getAttribute('aria-invalid')).resolves.toBe('true');
      await expect(page.locator('.field.has-error').filter({ hasText: 'Date of birth' }).textContent()).resolves.toContain(reason);
      expect(page.url()).toMatch(/#\/children\/new$/);
      expect(problems).toEqual([]);

      const client = await rawClient(haven.database.url);
      try {
        expect((await client.query(`select 1 from children where name = 'Kwame Asante-Boateng'`)).rowCount).toBe(0);
      } finally {
        await client.end();
      }
    } finally {
      await context.close();
    }
  });
});
