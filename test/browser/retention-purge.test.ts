import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { ageChild, bornYearsAgo } from '../support/aged-children';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, welfareRecord } from '../support/practitioner';
import { SCREENSHOTS, launchBrowser, watchForProblems } from './browser';
import { sealToBrowserUser, signInInBrowser } from './people-in-browsers';

let haven: TestHaven;
let browser: Browser;
const people = new People(() => haven);
const contexts: BrowserContext[] = [];
let morgan: Practitioner;

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  browser = await launchBrowser();
  // Morgan Reid works in another browser, played here by Node.
  morgan = new Practitioner(await people.as('Morgan'));
  await morgan.publishKeys();
  await morgan.connect();
});
afterAll(async () => {
  morgan?.disconnect();
  for (const context of contexts) await context.close();
  await browser?.close();
  await haven?.close();
});

async function signedIn(name: string): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  const problems = watchForProblems(page);
  await signInInBrowser(page, haven, name);
  return { context, page, problems };
}

/**
 * Every store of the browser's `haven` database, keys and values, searched for each text. The
 * script is a string because the tests compile without the DOM's types.
 */
function textsInIndexedDb(page: Page, texts: string[]): Promise<string[]> {
  return page.evaluate<string[]>(`(async (needles) => {
    const done = (request) => new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const db = await done(indexedDB.open('haven'));
    let dump = '';
    try {
      for (const name of Array.from(db.objectStoreNames)) {
        const store = db.transaction(name, 'readonly').objectStore(name);
        dump += JSON.stringify(await done(store.getAllKeys())) + JSON.stringify(await done(store.getAll()));
      }
    } finally {
      db.close();
    }
    return needles.filter((needle) => dump.includes(needle));
  })(${JSON.stringify(texts)})`);
}

describe('retention in Chromium', () => {
  it('a child past 19 is destroyed from the admin screen, and Jordan’s browser forgets the conversation', { timeout: 120_000 }, async () => {
    const jordan = await signedIn('Jordan');
    const jordanId = (await morgan.api.get<{ people: { id: string }[] }>('/api/people?name=Jordan')).body.people[0]?.id ?? '';
    expect(jordanId).not.toBe('');

    // A young person added at 18, and a conversation about them; then time passes and their
    // 19th birthday was two days ago.
    const created = await morgan.api.post<{ child: { id: string } }>('/api/children', {
      name: 'Oliver Quennell-Tamsin',
      dateOfBirth: bornYearsAgo(18),
      gender: 'male',
      address: '12 Larkspur Rise, Northmoor',
      postcode: 'NM9 8QQ',
      parents: [{ name: 'Harriet Quennell-Tamsin', relationship: 'mother', contact: '01632 960 777' }],
      basis: 'involved',
    });
    expect(created.status).toBe(201);
    const childId = created.body.child.id;
    await ageChild(haven.database.url, childId, bornYearsAgo(19, 2));
    const started = await morgan.api.post<{ thread: { id: string; childId: string } }>(`/api/children/${childId}/threads`, {
      participants: [{ userId: jordanId, needToKnowReason: 'Social worker for the family' }],
      record: welfareRecord,
    });
    expect(started.status).toBe(201);
    const thread = started.body.thread;
    const first = await sealToBrowserUser(morgan, thread, jordanId, 'Oliver has turned up safe at his aunt’s.');
    expect(await morgan.send(first)).toMatchObject({ ok: true });

    // Jordan reads it in the browser.
    const page = jordan.page;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Conversations' }).click();
    await page.getByRole('link', { name: 'Conversation with Morgan Reid' }).click();
    await page.getByRole('article').filter({ hasText: 'turned up safe' }).waitFor({ timeout: 15_000 });
    const threadUrl = page.url();

    // A second message arrives while Jordan is on the list: kept as unread, in IndexedDB too.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Conversations' }).click();
    const second = await sealToBrowserUser(morgan, thread, jordanId, 'Oliver will stay with his aunt this week.');
    expect(await morgan.send(second)).toMatchObject({ ok: true });
    await page.getByText('1 unread').waitFor({ timeout: 15_000 });
    const ids = [thread.id, childId, first.header.id, second.header.id];
    await expect.poll(() => textsInIndexedDb(page, ids)).toEqual(expect.arrayContaining([thread.id, second.header.id]));

    // The same conversation open in a second tab.
    const open = await jordan.context.newPage();
    const openProblems = watchForProblems(open);
    await open.goto(threadUrl);
    await open.getByRole('article').filter({ hasText: 'stay with his aunt' }).waitFor({ timeout: 15_000 });

    // Sam, the system admin, looks at the schedule, runs a dry run, then destroys what is due.
    const sam = await signedIn('Sam');
    await sam.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Retention' }).click();
    await sam.page.getByRole('heading', { name: 'Retention', level: 1 }).waitFor();
    await sam.page.getByRole('region', { name: 'Retention schedule' }).getByText('Children’s index entries').waitFor();
    await sam.page.getByRole('button', { name: 'Run a dry run' }).click();
    const dry = sam.page.getByRole('region', { name: 'Dry run finished' });
    await dry.waitFor({ timeout: 15_000 });
    expect(await dry.innerText()).toContain(childId);
    expect(await dry.innerText()).toContain('2 messages');
    await sam.page.getByRole('button', { name: 'Destroy records now' }).click();
    await sam.page.getByRole('button', { name: 'Yes, destroy records now' }).click();
    const destroyed = sam.page.getByRole('region', { name: 'Records destroyed' });
    await destroyed.waitFor({ timeout: 15_000 });
    expect(await destroyed.innerText()).toContain(childId);
    await sam.page.getByRole('region', { name: 'Recent runs' }).getByText('Destruction').waitFor();
    await sam.page.screenshot({ path: path.join(SCREENSHOTS, 'retention-admin.png'), fullPage: true });

    // Jordan's list no longer shows the conversation; the open tab says what happened.
    await page.getByText('You are not in any conversations yet.').waitFor({ timeout: 15_000 });
    expect(await page.getByRole('link', { name: 'Conversation with Morgan Reid' }).count()).toBe(0);
    await open.getByText('This record has been destroyed under the retention schedule.').waitFor({ timeout: 15_000 });
    expect(await open.getByRole('article').count()).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'retention-purged.png'), fullPage: true });
    await open.screenshot({ path: path.join(SCREENSHOTS, 'retention-purged-thread.png'), fullPage: true });

    // Nothing about the thread, the child or either message is left in this browser's IndexedDB.
    await expect.poll(() => textsInIndexedDb(page, ids)).toEqual([]);
    expect(jordan.problems).toEqual([]);
    expect(openProblems).toEqual([]);
    expect(sam.problems).toEqual([]);
  });
});
