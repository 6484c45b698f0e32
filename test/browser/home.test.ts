// Issue 18, "The day's work" in Chromium: sign-in lands on Home, which shows what needs doing —
// alerts, conversations with unread counts, written records due, the children opened lately — each
// with an empty state and links to act; the conversations list names the child to those who may
// see the name (the record's identifier to the others), with the other people and the last
// activity, and filters by child and by person. Admins land on what waits for them.
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { findUserByEmail } from '../../server/accounts/accounts.store';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, welfareRecord } from '../support/practitioner';
import { totpCode } from '../support/totp';
import { checkScreen } from './axe';
import { SCREENSHOTS, launchBrowser, watchForProblems } from './browser';
import { openAccountWithKeys, sealToBrowserUser } from './people-in-browsers';

let haven: TestHaven;
let browser: Browser;
const contexts: BrowserContext[] = [];
const people = new People(() => haven);

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  browser = await launchBrowser();
});
afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await haven?.close();
});

/** Signs in with two factors in a browser of its own and stays where sign-in lands. */
async function signIn(name: string): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  const problems = watchForProblems(page);
  const account = haven.account(name);
  await page.goto(haven.url);
  await page.getByLabel('Email address').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Security code').fill(totpCode(account.totpSecret ?? ''));
  await page.getByRole('button', { name: 'Continue' }).click();
  return { page, problems };
}

const h1 = (page: Page, name: string) => page.getByRole('heading', { level: 1, name }).waitFor({ timeout: 15_000 });
const section = (page: Page, name: string) => page.getByRole('region', { name });
const userId = async (name: string) => (await findUserByEmail(haven.ctx.db, haven.account(name).email))?.id ?? '';

async function childId(morgan: Practitioner, name: string): Promise<string> {
  return (await morgan.api.get<{ children: { id: string }[] }>(`/api/children?name=${encodeURIComponent(name)}`)).body.children[0]?.id ?? '';
}

async function startThread(morgan: Practitioner, child: string, participants: { userId: string; needToKnowReason?: string }[]) {
  const res = await morgan.api.post<{ thread: { id: string; childId: string } }>(`/api/children/${child}/threads`, { participants, record: welfareRecord });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.thread;
}

describe('Home and the conversations list in Chromium', () => {
  it('a practitioner lands on Home, sees what needs doing, and finds conversations by child and person', { timeout: 90_000 }, async () => {
    const { page, problems } = await signIn('Jordan');
    const a11y: string[] = [];

    // Nothing yet: every section says so and links to act.
    await h1(page, 'Home');
    await section(page, 'Conversations').getByText('You are not in any conversations yet.').waitFor();
    await section(page, 'Children you opened recently').getByText('You have not opened the record of a child your agency works with').waitFor();
    await section(page, 'Alerts').getByText('Nothing needs your attention.').waitFor();
    expect(await page.getByRole('region', { name: 'Written records due' }).count()).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'home-empty.png'), fullPage: true });
    a11y.push(...(await checkScreen(page, 'home, empty')));

    // Jordan's keys are made in this browser (his account page shows them), so Morgan can write to him.
    await openAccountWithKeys(page);
    const morgan = new Practitioner(await people.as('Morgan'));
    await morgan.publishKeys();
    await morgan.connect();
    const [jordanId, ruthId] = [await userId('Jordan'), await userId('Ruth')];
    const lily = await childId(morgan, 'Lily Hartwell');
    const amara = await childId(morgan, 'Amara Osei');
    const callum = await childId(morgan, 'Callum Byrne');
    // Jordan's agency serves Lily and Amara; Callum's record is the police's, and Jordan is told on a need-to-know basis.
    const lilyThread = await startThread(morgan, lily, [{ userId: jordanId }]);
    await startThread(morgan, amara, [{ userId: jordanId }, { userId: ruthId }]);
    await startThread(morgan, callum, [{ userId: jordanId, needToKnowReason: 'Social worker for the family' }]);
    const sent = await morgan.send(await sealToBrowserUser(morgan, lilyThread, jordanId, 'Can we meet before the core group?'));
    expect(sent.ok).toBe(true);

    // Home: the conversations, unread first, the child named where Jordan may see the name.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
    await h1(page, 'Home');
    const conversations = section(page, 'Conversations');
    await conversations.getByText('You have 1 unread message in 1 conversation.').waitFor({ timeout: 15_000 });
    const items = conversations.getByRole('listitem');
    expect(await items.count()).toBe(3);
    await expect.poll(() => items.first().innerText()).toMatch(/^Lily Hartwell: with Morgan Reid\s*1 unread\s*Last activity /);
    const texts = await items.allInnerTexts();
    expect(texts.some((t) => t.startsWith('Amara Osei: with Morgan Reid, Ruth Adeyemi'))).toBe(true);
    expect(texts.some((t) => t.startsWith(`Child record ${callum.slice(0, 8)}: with Morgan Reid`))).toBe(true);
    expect(texts.join('\n')).not.toContain('Callum');

    // Opening a record (with a reason) puts the child on Home.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Find a child' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Lily Hartwell');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('button', { name: 'Open record for Lily Hartwell' }).click();
    await page.getByLabel('Why do you need to see this record?').fill('Preparing for the core group meeting');
    await page.getByRole('button', { name: 'Open record' }).click();
    await h1(page, 'Lily Hartwell');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
    const children = section(page, 'Children you opened recently');
    await children.getByRole('link', { name: 'Lily Hartwell' }).waitFor({ timeout: 15_000 });
    expect(await children.getByRole('listitem').count()).toBe(1);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'home.png'), fullPage: true });
    a11y.push(...(await checkScreen(page, 'home, with work')));

    // The conversations list: grouped by child, named where Jordan may see the name; filters by child and person.
    await conversations.getByRole('link', { name: 'Go to Conversations' }).click();
    await h1(page, 'Conversations');
    const headings = page.getByRole('heading', { level: 2 });
    // The most recently active first: Lily's has a message since the others started.
    await expect.poll(() => headings.allInnerTexts()).toEqual(['Lily Hartwell', `Child record ${callum.slice(0, 8)}`, 'Amara Osei']);
    await page.getByText('Haven names a child here only to the agencies that provide them a service or hold their record.').waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'conversations-by-child.png'), fullPage: true });
    a11y.push(...(await checkScreen(page, 'conversations by child')));

    await page.getByLabel('Child', { exact: true }).selectOption({ label: 'Amara Osei' });
    await page.getByText('1 of 3 conversations shown').waitFor();
    expect(await headings.allInnerTexts()).toEqual(['Amara Osei']);
    await page.getByRole('button', { name: 'Show all conversations' }).first().click();
    await page.getByLabel('Person', { exact: true }).selectOption({ label: 'Ruth Adeyemi' });
    await page.getByText('1 of 3 conversations shown').waitFor();
    expect(await headings.allInnerTexts()).toEqual(['Amara Osei']);
    await page.getByLabel('Person', { exact: true }).selectOption({ label: 'Morgan Reid' });
    await page.getByText('3 of 3 conversations shown').waitFor();
    await page.getByLabel('Child', { exact: true }).selectOption({ label: 'Lily Hartwell' });
    await page.getByText('1 of 3 conversations shown').waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'conversations-filtered.png'), fullPage: true });
    a11y.push(...(await checkScreen(page, 'conversations, filtered')));

    // The thread's header names the child, the other people and the last activity.
    await page.getByRole('link', { name: 'Conversation with Morgan Reid' }).click();
    await h1(page, 'Conversation');
    await page.locator('.caption', { hasText: 'Lily Hartwell' }).waitFor();
    await page.getByText('With Morgan Reid.').waitFor();
    await page.getByText(/^Last activity \d/).waitFor();
    await page.getByText('Can we meet before the core group?').waitFor({ timeout: 15_000 });

    morgan.disconnect();
    expect(a11y).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('a designated officer’s Home has written records due; an admin lands on what waits for them', { timeout: 60_000 }, async () => {
    const a11y: string[] = [];
    const ruth = await signIn('Ruth');
    await h1(ruth.page, 'Home');
    await section(ruth.page, 'Written records due').getByText('You have no written records to file.').waitFor({ timeout: 15_000 });
    a11y.push(...(await checkScreen(ruth.page, 'home, designated officer')));
    // On a phone-sized screen the sections stack under the header.
    await ruth.page.setViewportSize({ width: 390, height: 844 });
    await ruth.page.screenshot({ path: path.join(SCREENSHOTS, 'home-designated-officer-390px.png'), fullPage: true });
    a11y.push(...(await checkScreen(ruth.page, 'home, designated officer, 390 px')));

    const priya = await signIn('Priya');
    await h1(priya.page, 'Home');
    await section(priya.page, 'Alerts to acknowledge').getByText('No alerts to acknowledge').waitFor({ timeout: 15_000 });
    await section(priya.page, 'Overdue written records').getByText('No written record is overdue.').waitFor();
    expect(await priya.page.getByRole('region', { name: 'Conversations' }).count()).toBe(0);
    expect(await priya.page.getByRole('region', { name: 'Children you opened recently' }).count()).toBe(0);
    await priya.page.screenshot({ path: path.join(SCREENSHOTS, 'home-agency-admin.png'), fullPage: true });
    a11y.push(...(await checkScreen(priya.page, 'home, agency admin')));

    // Everyone reaches their account (details, keys, signing out everywhere) from the header.
    await priya.page.getByRole('banner').getByRole('link', { name: 'Your account' }).click();
    await h1(priya.page, 'Your Haven account');

    expect(a11y).toEqual([]);
    expect([...ruth.problems, ...priya.problems]).toEqual([]);
  });
});
