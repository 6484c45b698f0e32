import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { confirmDemoKeys } from '../support/confirm-keys';
import { freshBrowser, launchBrowser, watchForProblems } from './browser';
import { signInInBrowser, startConversationWithMorgan } from './people-in-browsers';

// Resuming an upload after the page itself was closed (issue 21): the browser kept the file, its
// key and the encryption's header in IndexedDB, so a new page of the same browser makes the same
// ciphertext again, skips what the server holds and sends the rest once.

let haven: TestHaven;
let browser: Browser;
const contexts: BrowserContext[] = [];
/** Jordan's browser, whose keys and kept uploads live in its IndexedDB, and Morgan's page (each signs in once for the whole file). */
let jordanContext: BrowserContext | null = null;
let morganPage: Page | null = null;

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
// A test that failed while Jordan's browser was offline must not leave the next ones offline too.
afterEach(async () => {
  await jordanContext?.setOffline(false);
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

/** One upload's state on the server, read from the database. */
async function uploadRow(id: string): Promise<{ received: number; deleted_because: string | null }> {
  const db = await rawClient(haven.database.url);
  try {
    const { rows } = await db.query<{ received: string; deleted_because: string | null }>('select received, deleted_because from attachments where id = $1', [
      id,
    ]);
    const row = rows[0];
    if (!row) throw new Error('no such upload');
    return { received: Number(row.received), deleted_because: row.deleted_because };
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

/** The upload ids this browser keeps to resume (IndexedDB store `pending-uploads`). A string script: the tests compile without the DOM's types. */
function keptUploadIds(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(async () => {
    const done = (request) => new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const db = await done(indexedDB.open('haven'));
    try {
      return (await done(db.transaction('pending-uploads', 'readonly').objectStore('pending-uploads').getAllKeys())).map(String);
    } finally {
      db.close();
    }
  })()`);
}

/** Changes a kept record by hand, as someone with access to this browser's storage could: `change` is a statement about `record`. */
async function tamperKeptUpload(page: Page, id: string, change: string): Promise<void> {
  await page.evaluate(`(async (id) => {
    const done = (request) => new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const db = await done(indexedDB.open('haven'));
    try {
      const store = db.transaction('pending-uploads', 'readwrite').objectStore('pending-uploads');
      const record = await done(store.get(id));
      if (!record) throw new Error('no such kept upload');
      ${change};
      await done(store.put(record, id));
    } finally {
      db.close();
    }
  })(${JSON.stringify(id)})`);
}

/** Starts uploading a small file in a new page of Jordan's browser and closes the page before any of it arrives: it is kept to resume. */
async function uploadCutOffAtOnce(context: BrowserContext, name: string): Promise<string> {
  const page = await context.newPage();
  await page.goto(haven.url);
  await openConversation(page);
  const previous = (await newestUpload()).id;
  await cutAfter(page, 0);
  await page.getByLabel('Attach files').setInputFiles({ name, mimeType: 'text/plain', buffer: fileBytes(2000, 5) });
  await expect.poll(async () => (await newestUpload()).id, { timeout: 15_000 }).not.toBe(previous);
  const { id } = await newestUpload();
  await expect.poll(() => keptUploadIds(page), { timeout: 15_000 }).toContain(id);
  await page.close();
  return id;
}

describe('resuming an upload after the page was closed, in Chromium', () => {
  it(
    'Jordan closes the page mid-upload, opens the conversation again, resumes from where the server stopped, and Morgan gets identical bytes',
    { timeout: 240_000 },
    async () => {
      const jordan = await signedIn('Jordan');
      jordanContext = jordan.context;
      const morgan = await signedIn('Morgan');
      morganPage = morgan.page;
      await confirmDemoKeys(haven, ['Jordan', 'Morgan']);
      const page = jordan.page;
      await startConversationWithMorgan(page, {
        reason: 'To send the police the visit report',
        purpose: 'To share the visit report before the joint visit.',
        proportionate: 'Only the report itself.',
      });

      // Four of the browser's 3 MiB requests: the first is stored, the two sent after it (two may be
      // unanswered at once) are held, the fourth is never sent, and the page closes.
      const report = fileBytes(10_000_000, 7);
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
      // What the server holds now (the requests held when the page closed may still have landed).
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
  it(
    'the connection drops during a resume: the upload is left interrupted (kept here and on the server), not cancelled, and resuming once back online completes it; Morgan gets identical bytes',
    { timeout: 240_000 },
    async () => {
      if (!jordanContext || !morganPage) throw new Error('the first test did not leave Jordan and Morgan signed in');
      const context = jordanContext;
      const first = await context.newPage();
      await first.goto(haven.url);
      await openConversation(first);
      // Four requests' worth, so that what the first page leaves cannot be the whole file (as above).
      const report = fileBytes(10_000_000, 13);
      // The first test's upload is the newest until this one starts: wait for this one's first stored request, not that.
      const previous = (await newestUpload()).id;
      await cutAfter(first, 1);
      await first.getByLabel('Attach files').setInputFiles({ name: 'network-report.pdf', mimeType: 'application/pdf', buffer: report });
      await expect
        .poll(
          async () => {
            const newest = await newestUpload();
            return newest.id !== previous && newest.received > 0;
          },
          { timeout: 30_000 },
        )
        .toBe(true);
      const { id } = await newestUpload();
      await first.close();

      // A new page resumes it, and the connection goes with its first request (the request held when
      // the first page closed may have landed, so one more may be all that is left), and stays gone.
      const page = await context.newPage();
      const problems = watchForProblems(page);
      let sent = 0;
      await page.route('**/api/attachments/*/chunks*', async (route: Route) => {
        sent += 1;
        if (sent !== 1) return route.continue();
        await context.setOffline(true);
        return route.abort('internetdisconnected');
      });
      await page.goto(haven.url);
      await openConversation(page);
      await page.getByRole('list', { name: 'Interrupted uploads' }).getByRole('button', { name: 'Resume uploading network-report.pdf' }).click();
      await page.getByRole('alert').filter({ hasText: 'Upload interrupted: the connection to Haven was lost.' }).waitFor({ timeout: 30_000 });
      // The first request, and the one sent before its answer (two may be unanswered at once), which went with it; none after.
      expect(sent).toBeGreaterThanOrEqual(1);
      expect(sent).toBeLessThanOrEqual(2);
      // Nothing was cancelled or forgotten: the server keeps what arrived, this browser the file and its key.
      const cut = await newestUpload();
      expect(cut).toMatchObject({ id, deleted_because: null });
      expect(cut.received).toBeGreaterThan(0);
      expect(cut.received).toBeLessThan(cut.size);
      expect(await keptUploadIds(page)).toContain(id);
      expect(await page.getByRole('button', { name: 'Remove network-report.pdf' }).count()).toBe(1);

      await context.setOffline(false);
      const offsets: number[] = [];
      page.on('request', (request) => {
        if (request.method() === 'PUT') offsets.push(Number(new URL(request.url()).searchParams.get('offset')));
      });
      await page.getByRole('button', { name: 'Resume uploading network-report.pdf' }).click();
      await page.getByText('Encrypted and uploaded').waitFor({ timeout: 60_000 });
      // From where the server stood, nothing twice.
      expect(offsets[0]).toBe(cut.received);
      expect(new Set(offsets).size).toBe(offsets.length);
      await page.getByLabel('Message', { exact: true }).fill('The network report is attached.');
      await page.getByRole('button', { name: 'Send securely' }).click();
      await page.getByRole('status').filter({ hasText: 'Sent' }).waitFor({ timeout: 15_000 });
      expect(await newestUpload()).toMatchObject({ id, received: cut.size, deleted_because: null });
      expect(await keptUploadIds(page)).not.toContain(id);

      const m = morganPage;
      await openConversation(m);
      const article = m.getByRole('article').filter({ hasText: 'The network report is attached.' });
      await article.waitFor({ timeout: 15_000 });
      await article.getByRole('button', { name: 'Download network-report.pdf' }).click();
      const save = article.getByRole('link', { name: 'Save network-report.pdf' });
      await save.waitFor({ timeout: 30_000 });
      const [download] = await Promise.all([m.waitForEvent('download'), save.click()]);
      expect((await readFile(await download.path())).equals(report)).toBe(true);
      await page.close();
      expect(problems).toEqual([]);
    },
  );

  it(
    'a kept record changed by hand is refused with the reason and can only be discarded: a damaged one when offered, one whose size differs from the server’s upload before anything is encrypted',
    { timeout: 120_000 },
    async () => {
      if (!jordanContext) throw new Error('the first test did not leave Jordan signed in');
      const damaged = await uploadCutOffAtOnce(jordanContext, 'damaged-key.txt');
      const resized = await uploadCutOffAtOnce(jordanContext, 'resized.txt');
      const page = await jordanContext.newPage();
      const problems = watchForProblems(page);
      await page.goto(haven.url);
      await openConversation(page);
      await tamperKeptUpload(page, damaged, 'record.key = new Uint8Array(31)');
      // Another file of another size, consistent in itself: only the server can tell.
      await tamperKeptUpload(page, resized, 'record.file = new Blob([new Uint8Array(300000)]); record.size = 300000');
      const puts: string[] = [];
      page.on('request', (request) => {
        if (request.method() === 'PUT') puts.push(request.url());
      });
      await page.reload();
      await openConversation(page);
      const offered = page.getByRole('list', { name: 'Interrupted uploads' });
      const damagedItem = offered.getByRole('listitem').filter({ hasText: 'damaged-key.txt' });
      await damagedItem.waitFor({ timeout: 15_000 });
      await expect
        .poll(() => damagedItem.textContent())
        .toContain(
          'This upload cannot be resumed: what this browser kept of it is damaged (the file’s key is not 32 bytes). Discard it and attach the file again.',
        );
      expect(await damagedItem.getByRole('button', { name: 'Resume uploading damaged-key.txt' }).count()).toBe(0);

      // The resized one looks whole here; resuming asks the server first, and is refused before encrypting anything.
      await offered.getByRole('button', { name: 'Resume uploading resized.txt' }).click();
      await page
        .getByRole('alert')
        .filter({
          hasText: 'This upload cannot be resumed: the file kept in this browser is not the size Haven expects. Discard it and attach the file again.',
        })
        .waitFor({ timeout: 15_000 });
      expect(puts).toEqual([]);
      expect(await page.getByRole('button', { name: 'Resume uploading resized.txt' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Remove resized.txt' }).count()).toBe(0);

      // Discard: the damaged record still names this person's upload for this conversation, so the server deletes it too.
      await damagedItem.getByRole('button', { name: 'Discard damaged-key.txt' }).click();
      await expect.poll(() => keptUploadIds(page), { timeout: 15_000 }).not.toContain(damaged);
      await expect.poll(async () => (await uploadRow(damaged)).deleted_because, { timeout: 15_000 }).toBe('cancelled');
      // The resized record does not describe the server's upload, so that is left to the 24-hour sweep; the record goes.
      await page.getByRole('button', { name: 'Discard resized.txt' }).click();
      await expect.poll(() => keptUploadIds(page), { timeout: 15_000 }).not.toContain(resized);
      expect((await uploadRow(resized)).deleted_because).toBeNull();
      expect(await keptUploadIds(page)).not.toContain(damaged);

      await page.reload();
      await openConversation(page);
      await page.getByLabel('Attach files').waitFor();
      expect(await page.getByRole('list', { name: 'Interrupted uploads' }).count()).toBe(0);
      expect(puts).toEqual([]);
      await page.close();
      expect(problems).toEqual([]);
    },
  );

  it(
    'a 409 wrong_offset is handled once: an answer lost as a 409 carries on from the server’s offset; a second 409 in a row stops with an error, and the upload stays until removed',
    { timeout: 120_000 },
    async () => {
      if (!jordanContext) throw new Error('the first test did not leave Jordan signed in');
      const page = await jordanContext.newPage();
      const problems = watchForProblems(page);
      await page.goto(haven.url);
      await openConversation(page);
      const wrongOffset = { status: 409, json: { error: { code: 'wrong_offset', message: 'This upload stands elsewhere.' } } };

      // The request is stored, but the browser hears 409: it asks where the upload stands and finds it done.
      let first = 0;
      await page.route('**/api/attachments/*/chunks*', async (route: Route) => {
        first += 1;
        await route.fetch();
        return route.fulfill(wrongOffset);
      });
      await page.getByLabel('Attach files').setInputFiles({ name: 'landed.txt', mimeType: 'text/plain', buffer: fileBytes(2000, 9) });
      await page.getByText('Encrypted and uploaded').waitFor({ timeout: 15_000 });
      expect(first).toBe(1);
      await page.unrouteAll();

      // Every request is answered 409 and stored nowhere: the second in a row stops it.
      let puts = 0;
      await page.route('**/api/attachments/*/chunks*', async (route: Route) => {
        puts += 1;
        return route.fulfill(wrongOffset);
      });
      await page.getByLabel('Attach files').setInputFiles({ name: 'stuck.txt', mimeType: 'text/plain', buffer: fileBytes(2000, 11) });
      await page.getByRole('alert').filter({ hasText: 'was not where this browser expected, twice in a row' }).waitFor({ timeout: 15_000 });
      const stuck = await newestUpload();
      expect(puts).toBe(2);
      expect(stuck.deleted_because).toBeNull();
      expect(await keptUploadIds(page)).toContain(stuck.id);
      // Only taking it off deletes it.
      await page.getByRole('button', { name: 'Remove stuck.txt' }).click();
      await expect.poll(async () => (await uploadRow(stuck.id)).deleted_because, { timeout: 15_000 }).toBe('cancelled');
      await expect.poll(() => keptUploadIds(page)).not.toContain(stuck.id);
      expect(puts).toBe(2);
      await page.getByRole('button', { name: 'Remove landed.txt' }).click();
      await page.close();
      expect(problems).toEqual([]);
    },
  );

  it('signing out forgets every kept upload: the store is empty afterwards', { timeout: 60_000 }, async () => {
    if (!jordanContext) throw new Error('the first test did not leave Jordan signed in');
    const kept = await uploadCutOffAtOnce(jordanContext, 'before-sign-out.txt');
    const page = await jordanContext.newPage();
    await page.goto(haven.url);
    await openConversation(page);
    expect(await keptUploadIds(page)).toContain(kept);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 15_000 });
    await expect.poll(() => keptUploadIds(page), { timeout: 15_000 }).toEqual([]);
  });
});
