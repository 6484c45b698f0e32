import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { confirmDemoKeys } from '../support/confirm-keys';
import { freshBrowser, launchBrowser, watchForProblems } from './browser';
import { fillShareRecord, signInInBrowser } from './people-in-browsers';

// Resuming an upload after the page itself was closed (issue 21): the browser kept the file, its
// key and the encryption's header in IndexedDB, so a new page of the same browser makes the same
// ciphertext again, skips what the server holds and sends the rest once.

let haven: TestHaven;
let browser: Browser;
const contexts: BrowserContext[] = [];
/** Jordan's browser, whose keys and kept uploads live in its IndexedDB. */
let jordanContext: BrowserContext | null = null;

function fileBytes(size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * seed + 11) % 256;
  return bytes;
}

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

async function signedIn(name: string): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const { page, problems } = await freshBrowser(browser, contexts);
  await signInInBrowser(page, haven, name);
  return { context: page.context(), page, problems };
}

async function openConversation(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Conversations' }).click();
  await page
    .getByRole('link', { name: /^Conversation with (Morgan Reid|Jordan Ellis)/ })
    .first()
    .click();
  await page.getByRole('heading', { name: 'Conversation', level: 1 }).waitFor();
}

/** The newest upload's state on the server, read from the database. */
async function newestUpload(): Promise<{ id: string; received: number; size: number; deleted_because: string | null; message_id: string | null }> {
  const db = await rawClient(haven.database.url);
  try {
    const { rows } = await db.query<{ id: string; received: string; size: string; deleted_because: string | null; message_id: string | null }>(
      'select id, received, size, deleted_because, message_id from attachments order by created_at desc limit 1',
    );
    const row = rows[0];
    if (!row) throw new Error('no upload');
    return { ...row, received: Number(row.received), size: Number(row.size) };
  } finally {
    await db.end();
  }
}

/** Lets the first `allowed` chunk requests through and holds every later one, as a page closing mid-upload leaves them. */
async function cutAfter(page: Page, allowed: number): Promise<void> {
  let seen = 0;
  await page.route('**/api/attachments/*/chunks*', async (route: Route) => {
    seen += 1;
    if (seen <= allowed) return route.continue();
    await new Promise(() => undefined);
  });
}

describe('resuming an upload after the page was closed, in Chromium', () => {
  it(
    'Jordan closes the page mid-upload, opens the conversation again, resumes from where the server stopped, and Morgan gets identical bytes',
    { timeout: 240_000 },
    async () => {
      const jordan = await signedIn('Jordan');
      jordanContext = jordan.context;
      const morgan = await signedIn('Morgan');
      await confirmDemoKeys(haven, ['Jordan', 'Morgan']);
      const page = jordan.page;
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Find a child' }).click();
      await page.getByLabel('Name', { exact: true }).fill('Lily Hartwell');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('button', { name: 'Open record for Lily Hartwell' }).click();
      await page.getByLabel('Why do you need to see this record?').fill('To send the police the visit report');
      await page.getByRole('button', { name: 'Open record' }).click();
      await page.getByRole('button', { name: 'Start a conversation' }).click();
      await page.getByLabel('Name of the person').fill('Morgan');
      await page.getByRole('button', { name: 'Find person' }).click();
      await page.getByRole('button', { name: 'Add Morgan Reid' }).click();
      await page.getByLabel('Why does Morgan Reid need to know?').fill('PC Reid is attending the home visit this afternoon.');
      await fillShareRecord(page, 'To share the visit report before the joint visit.', 'Only the report itself.');
      await page.getByRole('button', { name: 'Start conversation' }).click();
      await page.getByRole('heading', { name: 'Conversation', level: 1 }).waitFor();

      // Over two of the browser's 3 MiB requests: the first is stored, the second never arrives, and the page closes.
      const report = fileBytes(7_000_000, 7);
      await cutAfter(page, 1);
      await page.getByLabel('Attach files').setInputFiles({ name: 'visit-report.pdf', mimeType: 'application/pdf', buffer: report });
      await expect.poll(async () => (await newestUpload()).received, { timeout: 30_000 }).toBeGreaterThan(0);
      const before = await newestUpload();
      expect(before.received).toBeLessThan(before.size);
      await page.close();

      // A new page of the same browser: the conversation offers the file again.
      const again = await jordan.context.newPage();
      jordan.problems.push(...watchForProblems(again));
      const offsets: number[] = [];
      await again.route('**/api/attachments/*/chunks*', async (route: Route) => {
        offsets.push(Number(new URL(route.request().url()).searchParams.get('offset')));
        return route.continue();
      });
      await again.goto(haven.url);
      await openConversation(again);
      const offered = again.getByRole('list', { name: 'Interrupted uploads' });
      await offered.getByRole('button', { name: 'Resume uploading visit-report.pdf' }).waitFor({ timeout: 15_000 });
      expect(await offered.getByRole('listitem').count()).toBe(1);
      // What the server holds now (the request held when the page closed may still have landed).
      const atResume = await newestUpload();
      expect(atResume.id).toBe(before.id);
      expect(atResume.received).toBeGreaterThanOrEqual(before.received);
      expect(atResume.received).toBeLessThan(atResume.size);
      await offered.getByRole('button', { name: 'Resume uploading visit-report.pdf' }).click();
      await again.getByText('Encrypted and uploaded').waitFor({ timeout: 30_000 });
      // It carried on from the server's offset: nothing before it was sent again, nothing twice.
      expect(offsets[0]).toBe(atResume.received);
      expect(Math.min(...offsets)).toBe(atResume.received);
      expect(new Set(offsets).size).toBe(offsets.length);
      const after = await newestUpload();
      expect(after).toMatchObject({ id: before.id, received: before.size, deleted_because: null });

      await again.getByLabel('Message', { exact: true }).fill('The visit report is attached.');
      await again.getByRole('button', { name: 'Send securely' }).click();
      await again.getByRole('status').filter({ hasText: 'Sent' }).waitFor({ timeout: 15_000 });
      expect((await newestUpload()).message_id).not.toBeNull();

      const m = morgan.page;
      await openConversation(m);
      const article = m.getByRole('article').filter({ hasText: 'The visit report is attached.' });
      await article.waitFor({ timeout: 15_000 });
      await article.getByRole('button', { name: 'Download visit-report.pdf' }).click();
      const save = article.getByRole('link', { name: 'Save visit-report.pdf' });
      await save.waitFor({ timeout: 30_000 });
      const [download] = await Promise.all([m.waitForEvent('download'), save.click()]);
      expect((await readFile(await download.path())).equals(report)).toBe(true);

      // Sent: a third page no longer offers it.
      const third = await jordan.context.newPage();
      await third.goto(haven.url);
      await openConversation(third);
      await third.getByLabel('Attach files').waitFor();
      expect(await third.getByRole('list', { name: 'Interrupted uploads' }).count()).toBe(0);
      await third.close();
      expect(jordan.problems).toEqual([]);
      expect(morgan.problems).toEqual([]);
    },
  );

  it(
    'an upload still going in another tab is not offered; once that tab is closed it can be discarded: the server deletes what it holds, and it is not offered again',
    { timeout: 120_000 },
    async () => {
      // The same browser as above (its keys are in its IndexedDB).
      if (!jordanContext) throw new Error('the first test did not leave Jordan signed in');
      const page = await jordanContext.newPage();
      await page.goto(haven.url);
      await openConversation(page);
      const previous = (await newestUpload()).id;
      await cutAfter(page, 0);
      await page.getByLabel('Attach files').setInputFiles({ name: 'wrong-file.txt', mimeType: 'text/plain', buffer: fileBytes(2000, 3) });
      await expect.poll(async () => (await newestUpload()).id, { timeout: 15_000 }).not.toBe(previous);
      const started = await newestUpload();
      // While the first tab is still sending it, a second tab does not offer it (the first holds its lock).
      const again = await jordanContext.newPage();
      await again.goto(haven.url);
      await openConversation(again);
      await again.getByLabel('Attach files').waitFor();
      await again.waitForTimeout(500);
      expect(await again.getByRole('list', { name: 'Interrupted uploads' }).count()).toBe(0);
      await page.close();

      // Once that page is gone, it is offered.
      await again.reload();
      await openConversation(again);
      const offered = again.getByRole('list', { name: 'Interrupted uploads' });
      await offered.getByRole('button', { name: 'Discard wrong-file.txt' }).click();
      await expect.poll(async () => (await newestUpload()).deleted_because, { timeout: 15_000 }).toBe('cancelled');
      expect((await newestUpload()).id).toBe(started.id);
      await again.reload();
      await openConversation(again);
      await again.getByLabel('Attach files').waitFor();
      expect(await again.getByRole('list', { name: 'Interrupted uploads' }).count()).toBe(0);
    },
  );
});
