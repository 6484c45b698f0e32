import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { shareRecord } from '../../server/shares/share-record';
import type { ApiClient } from '../support/client';
import { confirmDemoKeys } from '../support/confirm-keys';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, welfareRecord } from '../support/practitioner';
import { checkScreen } from './axe';
import { SCREENSHOTS, launchBrowser, watchForProblems } from './browser';
import { sealToBrowserUser, signInInBrowser } from './people-in-browsers';

// Issue 18, bugs 4–6, seen by Ruth Adeyemi (a designated officer) in Chromium, with Alex Carter
// (the other officer on Callum's case) played by Node: the special file names Alex after a reload,
// a written record's notice leads to the special file, and a second browser without Ruth's keys
// says so at once and offers to restore them where she is.

let haven: TestHaven;
let browser: Browser;
const people = new People(() => haven);
const contexts: BrowserContext[] = [];
let alex: Practitioner;
let ruth: ApiClient;
let ruthId = '';
let callumId = '';
let specialFileId = '';
let page: Page;
let problems: string[];

const offendingRecord = shareRecord.parse({
  ...welfareRecord,
  kindsOfInformation: ['offending_or_antisocial_behaviour'],
  schedule1Condition: 'preventing_or_detecting_unlawful_acts',
  legalGateway: 'crime_and_disorder_act_1998_s115',
});

async function idOf(list: 'people' | 'children', name: string): Promise<string> {
  const { body } = await ruth.get<Record<string, { id: string }[]>>(`/api/${list}?name=${encodeURIComponent(name)}`);
  const id = body[list]?.[0]?.id;
  if (!id) throw new Error(`no ${name} in ${list}`);
  return id;
}

/** Alex files a written record in Callum's special file, sealed to the keys Ruth's first browser made. */
async function alexFiles(information: string): Promise<void> {
  const text = JSON.stringify({ v: 1, sharedOn: new Date().toISOString().slice(0, 10), information });
  const envelope = await sealToBrowserUser(alex, { id: specialFileId, childId: callumId }, ruthId, text, {
    kind: 'written_record',
    tier: 'offending_risk',
    record: offendingRecord,
  });
  expect(await alex.send(envelope)).toMatchObject({ ok: true });
}

async function newPage(): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext();
  contexts.push(context);
  const p = await context.newPage();
  return { page: p, problems: watchForProblems(p) };
}

/** Opens Callum's special file from its address, giving the reason Haven asks for on each load. */
async function openSpecialFile(p: Page): Promise<void> {
  await p.goto(`${haven.url}/#/children/${callumId}/special-file`);
  await p.getByLabel('Why do you need to see this record?').fill('Reviewing the written records on Callum’s case');
  await p.getByRole('button', { name: 'Open record' }).click();
  await p.getByRole('heading', { name: 'Special file', level: 1 }).waitFor();
}

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  browser = await launchBrowser();
  alex = new Practitioner(await people.as('Alex'));
  await alex.publishKeys();
  await alex.connect();
  // Ruth's keys are made in her first browser, on her first sign-in.
  ({ page, problems } = await newPage());
  await signInInBrowser(page, haven, 'Ruth');
  await confirmDemoKeys(haven, ['Alex', 'Ruth']);
  ruth = await people.as('Ruth');
  ruthId = await idOf('people', 'Ruth');
  callumId = await idOf('children', 'Callum Byrne');
  const marked = await ruth.post<{ specialFileId: string }>(`/api/children/${callumId}/offending-risk`, { reason: 'Referral from the youth offending panel' });
  expect(marked.status).toBe(200);
  specialFileId = marked.body.specialFileId;
  expect((await ruth.post(`/api/children/${callumId}/case-officers`, { userId: alex.userId, record: offendingRecord })).status).toBe(200);
});
afterAll(async () => {
  alex?.disconnect();
  for (const context of contexts) await context.close();
  await browser?.close();
  await haven?.close();
});

describe('the special file and a second browser, in Chromium', () => {
  it('names the other officer on the case after a reload (bug 4)', { timeout: 30_000 }, async () => {
    await alexFiles('Callum was seen with the group under investigation on Friday.');
    await openSpecialFile(page);
    // A reload forgets everything met in the session: the names must come with the special file.
    await page.reload();
    await page.getByLabel('Why do you need to see this record?').fill('Reviewing the written records on Callum’s case');
    await page.getByRole('button', { name: 'Open record' }).click();
    const officers = page.locator('ul.officers');
    await officers.getByText('Alex Carter').waitFor({ timeout: 10_000 });
    expect(await officers.innerText()).toContain('Ruth Adeyemi (you)');
    const record = page.getByRole('article').filter({ hasText: 'Callum was seen with the group' });
    await record.waitFor({ timeout: 15_000 });
    expect(await record.innerText()).toContain('Written record by Alex Carter');
    expect(await officers.innerText()).not.toContain('Designated officer');
    await page.getByText('Encrypted on this device for the other designated officers on the case: Alex Carter.').waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'special-file-names-after-reload.png'), fullPage: true });
    expect(await checkScreen(page, 'special file after a reload')).toEqual([]);
    expect(problems).toEqual([]);
  });
  it('a written record’s notice says so and leads to the special file, naming no child (bug 5)', { timeout: 30_000 }, async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Find a child' }).click();
    await page.getByRole('heading', { name: 'Find a child', level: 1 }).waitFor();
    await alexFiles('Callum missed his appointment with the youth offending team today.');
    const notice = page.locator('.toast');
    await notice.getByText('You have a new written record in a special file').waitFor({ timeout: 10_000 });
    const words = await notice.innerText();
    expect(words).not.toMatch(/Callum|Byrne|appointment|Conversations/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'written-record-notice.png'), fullPage: true });
    expect(await checkScreen(page, 'notice of a written record')).toEqual([]);
    await notice.getByRole('link', { name: 'Go to the special file' }).click();
    await page.getByRole('heading', { name: 'Special file', level: 1 }).waitFor();
    await page.getByRole('article').filter({ hasText: 'Callum missed his appointment' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('.toast').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
