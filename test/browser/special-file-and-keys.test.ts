import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { shareRecord } from '../../server/shares/share-record';
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
let ruthId = '';
let callumId = '';
let specialFileId = '';
let page: Page;
let problems: string[];
const PASSPHRASE = 'lantern orchard copper seven';

const offendingRecord = shareRecord.parse({
  ...welfareRecord,
  kindsOfInformation: ['offending_or_antisocial_behaviour'],
  schedule1Condition: 'preventing_or_detecting_unlawful_acts',
  legalGateway: 'crime_and_disorder_act_1998_s115',
});

async function idOf(list: 'people' | 'children', name: string): Promise<string> {
  const { body } = await alex.api.get<Record<string, { id: string }[]>>(`/api/${list}?name=${encodeURIComponent(name)}`);
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
  // Alex marks Callum and puts Ruth on the case (Ruth signs in only in her browsers: one code each).
  ruthId = await idOf('people', 'Ruth');
  callumId = await idOf('children', 'Callum Byrne');
  const marked = await alex.api.post<{ specialFileId: string }>(`/api/children/${callumId}/offending-risk`, {
    reason: 'Referral from the youth offending panel',
  });
  expect(marked.status).toBe(200);
  specialFileId = marked.body.specialFileId;
  expect((await alex.api.post(`/api/children/${callumId}/case-officers`, { userId: ruthId, record: offendingRecord })).status).toBe(200);
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
  it('a second browser without the keys says so at once on every screen that needs them, and restores them there (bug 6)', { timeout: 40_000 }, async () => {
    // Ruth backs her keys up in her first browser.
    await page.goto(`${haven.url}/#/account`);
    await page.getByLabel('Recovery passphrase').fill(PASSPHRASE);
    await page.getByLabel('Type it again').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Create a recovery passphrase' }).click();
    await page.getByText('Your keys are backed up.').waitFor({ timeout: 15_000 });

    // Alex starts a conversation with her about Lily and sends a message, sealed to those keys.
    const lilyId = (await alex.api.get<{ children: { id: string }[] }>('/api/children?name=Lily+Hartwell')).body.children[0]?.id ?? '';
    expect((await alex.api.post(`/api/children/${lilyId}/open`, { reason: 'Planning a joint visit with the youth offending team' })).status).toBe(200);
    const started = await alex.api.post<{ thread: { id: string; childId: string } }>(`/api/children/${lilyId}/threads`, {
      participants: [{ userId: ruthId, needToKnowReason: 'Ruth leads the youth offending team’s work with the family' }],
      record: welfareRecord,
    });
    expect(started.status).toBe(201);
    const TEXT = 'Lily’s brother has been seen with Callum’s group.';
    expect(await alex.send(await sealToBrowserUser(alex, started.body.thread, ruthId, TEXT))).toMatchObject({ ok: true });

    // Her second browser has no keys: each screen says so at once, with the restore, and offers no form that cannot be sent.
    const b = await newPage();
    await signInInBrowser(b.page, haven, 'Ruth');
    const banner = b.page.getByRole('region', { name: 'Your encryption keys are in another browser' });
    const sayWhy = async (screen: string, closed: string): Promise<void> => {
      await banner.getByLabel('Recovery passphrase').waitFor({ timeout: 5_000 });
      const item = b.page.getByRole('article').first();
      expect(await item.innerText()).toContain(`This ${closed} cannot be opened in this browser: your encryption keys are in another browser.`);
      expect(await b.page.locator('main').innerText()).not.toContain('Opening…');
      await b.page.screenshot({ path: path.join(SCREENSHOTS, `keys-elsewhere-${screen}.png`), fullPage: true });
      expect(await checkScreen(b.page, `${screen} without the keys`)).toEqual([]);
    };

    await b.page.goto(`${haven.url}/#/conversations/${started.body.thread.id}`);
    await sayWhy('conversation', 'message');
    expect(await b.page.getByRole('button', { name: 'Send securely' }).count()).toBe(0);
    expect(await b.page.getByLabel('Message', { exact: true }).count()).toBe(0);

    await openSpecialFile(b.page);
    await sayWhy('special-file', 'written record');
    expect(await b.page.getByRole('button', { name: 'File written record' }).count()).toBe(0);
    expect(await b.page.getByLabel('Information shared').count()).toBe(0);

    await b.page.goto(`${haven.url}/#/children/${callumId}/verbal-share`);
    await banner.getByLabel('Recovery passphrase').waitFor({ timeout: 5_000 });
    expect(await b.page.getByLabel('Summary (optional)').isDisabled()).toBe(true);
    await b.page.getByRole('button', { name: 'Record verbal share' }).waitFor();
    await b.page.screenshot({ path: path.join(SCREENSHOTS, 'keys-elsewhere-verbal-share.png'), fullPage: true });
    expect(await checkScreen(b.page, 'verbal share without the keys')).toEqual([]);

    await b.page.goto(`${haven.url}/#/children/${callumId}/conversation`);
    await banner.getByLabel('Recovery passphrase').waitFor({ timeout: 5_000 });
    expect(await b.page.getByRole('button', { name: 'Start conversation' }).count()).toBe(0);

    // Restored where she is, the conversation opens and can be answered.
    await b.page.goto(`${haven.url}/#/conversations/${started.body.thread.id}`);
    await banner.getByLabel('Recovery passphrase').fill('not the passphrase at all');
    await banner.getByRole('button', { name: 'Restore your keys' }).click();
    await banner.getByText('The recovery passphrase is not right.').first().waitFor({ timeout: 15_000 });
    expect(await checkScreen(b.page, 'conversation, restore with a wrong passphrase')).toEqual([]);
    await banner.getByLabel('Recovery passphrase').fill(PASSPHRASE);
    await banner.getByRole('button', { name: 'Restore your keys' }).click();
    await b.page.getByText('Your keys are restored in this browser.').waitFor({ timeout: 15_000 });
    await b.page.getByRole('article').filter({ hasText: TEXT }).waitFor({ timeout: 10_000 });
    expect(await banner.count()).toBe(0);
    await b.page.getByLabel('Message', { exact: true }).waitFor();
    await b.page.screenshot({ path: path.join(SCREENSHOTS, 'keys-restored-in-conversation.png'), fullPage: true });
    expect(b.problems).toEqual([]);
    expect(problems).toEqual([]);
  });
});
