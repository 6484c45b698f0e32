import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { SCREENSHOTS, launchBrowser, watchForProblems } from './browser';
import { signInInBrowser } from './people-in-browsers';
import { recordProgress } from './progress-recorder';

let haven: TestHaven;
let browser: Browser;
const people = new People(() => haven);
let lilyId = '';
const REASON = `Checking Lily's school attendance ${Date.now()}`;

beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true });
  browser = await launchBrowser();
  // Jordan opened Lily's record with a reason, which the audit log keeps.
  const jordan = await people.as('Jordan');
  lilyId = (await jordan.get<{ children: { id: string }[] }>('/api/children?name=Lily+Hartwell')).body.children[0]?.id ?? '';
  expect((await jordan.post(`/api/children/${lilyId}/open`, { reason: REASON })).status).toBe(200);
});
afterAll(async () => {
  await browser?.close();
  await haven?.close();
});

describe('admin record screens in Chromium: access reports, subject access, legal holds', () => {
  it('a system admin sees who accessed a child’s information and what a user accessed, and downloads the CSV', { timeout: 60_000 }, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await signInInBrowser(page, haven, 'Sam');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();

    await page.getByLabel('Child’s name').fill('Lily Hartwell');
    await page.getByRole('button', { name: 'Search for the child' }).click();
    await page.getByRole('button', { name: /^Choose Lily Hartwell/ }).click();
    await page.getByRole('button', { name: 'Show report about Lily Hartwell' }).click();
    const childReport = page.getByRole('region', { name: 'Who has accessed Lily Hartwell' });
    await childReport.getByRole('cell', { name: REASON }).first().waitFor({ timeout: 15_000 });
    expect(await childReport.innerText()).toContain('Jordan Ellis');
    const [download] = await Promise.all([page.waitForEvent('download'), childReport.getByRole('link', { name: 'Download CSV' }).click()]);
    const csv = await readFile(await download.path(), 'utf8');
    expect(csv).toContain('Jordan Ellis');
    expect(csv).toContain('child.opened');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'audit-child-report.png'), fullPage: true });

    await page.getByLabel('User', { exact: true }).selectOption({ label: "Jordan Ellis (Northmoor County Council Children's Services)" });
    await page.getByRole('button', { name: 'Show report about the user' }).click();
    const userReport = page.getByRole('region', { name: 'What Jordan Ellis has accessed' });
    await userReport.getByText('child.opened').first().waitFor({ timeout: 15_000 });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('a system admin records a subject access request, opens the printable copy, downloads the data and marks it answered', { timeout: 60_000 }, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await signInInBrowser(page, haven, 'Sam');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Subject access' }).click();
    await page.getByRole('heading', { name: 'Subject access', level: 1 }).waitFor();

    await page.getByLabel('Record identifier').fill(lilyId);
    await page.getByLabel('Date the request was received').fill(new Date().toISOString().slice(0, 10));
    await page.getByRole('group', { name: 'Who made the request' }).getByLabel('A parent').check();
    await page.getByRole('button', { name: 'Record request' }).click();
    await page.getByRole('region', { name: 'Success' }).getByText('The request is recorded.').waitFor({ timeout: 15_000 });
    const item = page.getByRole('listitem').filter({ hasText: lilyId });
    await item.getByText('Open', { exact: true }).waitFor();

    const [printable] = await Promise.all([context.waitForEvent('page'), item.getByRole('link', { name: 'Open printable copy' }).click()]);
    await printable.getByRole('heading', { name: 'Information held about Lily Hartwell' }).waitFor({ timeout: 15_000 });
    await printable.close();
    const seen = await recordProgress(page);
    const [download] = await Promise.all([page.waitForEvent('download'), item.getByRole('button', { name: 'Download data (JSON)' }).click()]);
    const file = await readFile(await download.path());
    const data = JSON.parse(file.toString('utf8')) as { child: { name: string } };
    expect(data.child.name).toBe('Lily Hartwell');
    expect(download.suggestedFilename()).toMatch(/^subject-access-[0-9a-f-]{36}\.json$/);
    await item.getByRole('status').getByText('Done. Downloaded subject-access-').waitFor();
    // Nothing to measure while the server builds the export; then the bytes it said it would send.
    const exporting = (await seen()).filter((s) => s.label === 'Progress of the export');
    expect(exporting[0]).toMatchObject({ value: null, status: 'Preparing the export… Haven is gathering the records and leaving out protected people.' });
    const receiving = exporting.slice(1, -1);
    expect(receiving.every((s) => s.max === file.byteLength && /^Receiving the export… /.test(s.status))).toBe(true);
    expect(exporting.at(-1)).toMatchObject({ value: 1, max: 1 });
    expect(exporting.at(-1)?.status).toMatch(/^Done\. Downloaded subject-access-[0-9a-f-]{36}\.json \(\d+ (bytes|KB)\)\.$/);
    expect(exporting.at(-1)?.steps.every((step) => step.startsWith('✓ Done: '))).toBe(true);

    await item.getByRole('button', { name: 'Mark as answered' }).click();
    await item.getByText('Answered', { exact: true }).waitFor({ timeout: 15_000 });
    expect(await item.getByRole('button', { name: 'Mark as answered' }).count()).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'subject-access.png'), fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('an agency admin places a legal hold on a child’s record and releases it, with reasons', { timeout: 60_000 }, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await signInInBrowser(page, haven, 'Priya');
    await page.goto(`${haven.url}/#/children/${lilyId}`);
    await page.getByLabel('Why do you need to see this record?').fill('Legal asked us to keep Lily’s records for care proceedings');
    await page.getByRole('button', { name: 'Open record' }).click();
    await page.getByRole('heading', { name: 'Legal hold', level: 2 }).waitFor({ timeout: 15_000 });

    await page.getByRole('button', { name: 'Place a legal hold' }).click();
    await page.getByLabel('Reason').fill('Care proceedings under way');
    await page.getByRole('button', { name: 'Place a legal hold' }).click();
    await page.getByRole('region', { name: 'Success' }).getByText('A legal hold is placed').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'legal-hold.png'), fullPage: true });

    await page.getByRole('button', { name: 'Release the legal hold' }).click();
    await page.getByLabel('Reason').fill('Proceedings concluded');
    await page.getByRole('button', { name: 'Release the legal hold' }).click();
    await page.getByRole('region', { name: 'Success' }).getByText('The legal hold is released.').waitFor({ timeout: 15_000 });

    // Releasing again: there is nothing to release, and the server says so.
    await page.getByRole('button', { name: 'Release the legal hold' }).click();
    await page.getByLabel('Reason').fill('Checking');
    await page.getByRole('button', { name: 'Release the legal hold' }).click();
    await page.getByRole('alert').getByText('There is no legal hold').waitFor({ timeout: 15_000 });
    expect(problems).toEqual([]);
    await context.close();
  });
});
