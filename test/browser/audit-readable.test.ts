import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { checkScreen } from './axe';
import { SCREENSHOTS, launchBrowser, watchForProblems } from './browser';
import { signInInBrowser } from './people-in-browsers';

// The audit log read by a person: actions in words, the people and children named, digests on
// demand, and the "who has accessed this child" report reached by searching for the child.
let haven: TestHaven;
let browser: Browser;
const people = new People(() => haven);
const REASON = 'Preparing the core group meeting';

beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true });
  browser = await launchBrowser();
  const jordan = await people.as('Jordan');
  const lilyId = (await jordan.get<{ children: { id: string }[] }>('/api/children?name=Lily')).body.children[0]?.id ?? '';
  expect((await jordan.post(`/api/children/${lilyId}/open`, { reason: REASON })).status).toBe(200);
  const priya = await people.as('Priya');
  const taylor = (await priya.get<{ users: { id: string; name: string }[] }>('/api/users')).body.users.find((u) => u.name === 'Taylor Brooks');
  expect((await priya.get(`/api/users/${taylor?.id}`)).status).toBe(200);
});
afterAll(async () => {
  await browser?.close();
  await haven?.close();
});

describe('the audit log in words, in Chromium', () => {
  it(
    'a system admin reads actions in words with names, sees digests only on demand, and finds a child’s access report by searching',
    { timeout: 60_000 },
    async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const problems = watchForProblems(page);
      await signInInBrowser(page, haven, 'Sam');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();

      const table = page.getByRole('region', { name: 'Audit entries' });
      const opened = table.getByRole('row').filter({ hasText: 'Opened a child’s record' });
      await opened.first().waitFor({ timeout: 15_000 });
      const openedText = await opened.first().innerText();
      expect(openedText).toContain('Jordan Ellis');
      expect(openedText).toContain('Lily Hartwell');
      expect(openedText).toContain('child.opened');
      expect(openedText).toContain('Access: involved');
      expect(await table.getByRole('row').filter({ hasText: 'Looked at a user' }).first().innerText()).toContain('Taylor Brooks');

      // The salted digest of the reason is there for checking, not for reading: hidden until asked for.
      const digest = /Private digest: [0-9a-f]{64}/;
      expect(openedText).toContain('1 digest hidden');
      expect(await table.innerText()).not.toMatch(digest);
      await page.getByLabel('Show digests').first().check();
      expect(await opened.first().innerText()).toMatch(digest);
      await page.getByLabel('Show digests').first().uncheck();
      expect(await checkScreen(page, 'audit log in words')).toEqual([]);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'audit-log-in-words.png'), fullPage: true });

      // The child is found by name (the search is audited like any other), then chosen.
      await page.getByRole('button', { name: 'Search for the child' }).click();
      await page.getByText('Enter at least 2 letters of the child’s name').first().waitFor();
      await page.getByLabel('Child’s name').fill('Lily');
      await page.getByRole('button', { name: 'Search for the child' }).click();
      const found = page.getByRole('list', { name: 'Children found' });
      await found.waitFor({ timeout: 15_000 });
      expect(await found.innerText()).toContain('Lily Hartwell');
      expect(await checkScreen(page, 'access report, children found')).toEqual([]);
      await found.getByRole('button', { name: /^Choose Lily Hartwell/ }).click();
      await page.getByRole('button', { name: 'Show report about Lily Hartwell' }).click();
      const report = page.getByRole('region', { name: 'Who has accessed Lily Hartwell' });
      await report
        .getByRole('cell', { name: `Reason: ${REASON}` })
        .first()
        .waitFor({ timeout: 15_000 });
      const reportText = await report.innerText();
      expect(reportText).toContain('Opened a child’s record');
      expect(reportText).toContain('Jordan Ellis');
      expect(await checkScreen(page, 'access report found by search')).toEqual([]);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'audit-child-report-by-search.png'), fullPage: true });

      // Searching for the report was audited like any other search.
      const { body } = await (
        await people.as('Sam')
      ).get<{ entries: { action: string; actor: { name: string } | null }[] }>('/api/audit?action=child.searched');
      expect(body.entries.some((e) => e.actor?.name === 'Sam Okafor')).toBe(true);
      expect(problems).toEqual([]);
      await context.close();
    },
  );
});
