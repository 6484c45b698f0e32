import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { totpCode } from '../support/totp';
import { confirmDemoKeys } from '../support/confirm-keys';
import { SCREENSHOTS, launchBrowser, watchForProblems } from './browser';
import { openAccountWithKeys, startConversationWithMorgan } from './people-in-browsers';

let haven: TestHaven;
let browser: Browser;
const contexts: BrowserContext[] = [];
const CANARY = `CANARY-pdf-${Date.now()}`;

/** A small but real PDF, with a canary in its text and some bytes of every value after it. */
function pdfBytes(): Buffer {
  const text = `%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >> endobj\n4 0 obj << /Length 44 >> stream\nBT /F1 12 Tf 20 100 Td (${CANARY}) Tj ET\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`;
  // Over two of the browser's 3 MiB requests, so the lost answer and the lost request below both happen.
  const filler = Buffer.alloc(7_000_000);
  for (let i = 0; i < filler.length; i++) filler[i] = (i * 7) % 256;
  return Buffer.concat([Buffer.from(text), Buffer.from('%'), filler]);
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

async function practitioner(name: string): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ acceptDownloads: true });
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
  await openAccountWithKeys(page);
  return { page, problems };
}

describe('encrypted files in Chromium', () => {
  it('Jordan attaches a PDF in one browser; Morgan downloads identical bytes in the other, decrypted there', { timeout: 180_000 }, async () => {
    const jordan = await practitioner('Jordan');
    const morgan = await practitioner('Morgan');
    await confirmDemoKeys(haven, ['Jordan', 'Morgan']);
    const page = jordan.page;
    await startConversationWithMorgan(page, {
      reason: 'To send the police the child protection plan',
      purpose: 'To share the child protection plan before the visit.',
      proportionate: 'Only the plan itself.',
    });

    // The network fails twice during the upload (the file goes in three requests of 1 MiB): the
    // first request is stored but its answer is lost; the second never reaches Haven. The browser
    // asks where the upload stands each time and carries on from there.
    const failures: string[] = [];
    await page.route('**/api/attachments/*/chunks*', async (route) => {
      if (failures.length === 0) {
        failures.push('answer lost');
        await route.fetch();
        return route.abort('connectionreset');
      }
      if (failures.length === 1) {
        failures.push('request lost');
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    const pdf = pdfBytes();
    await page.getByLabel('Attach files').setInputFiles({ name: 'plan.pdf', mimeType: 'application/pdf', buffer: pdf });
    await page.getByText('Encrypted and uploaded').waitFor({ timeout: 30_000 });
    expect(failures).toEqual(['answer lost', 'request lost']);
    await page.unroute('**/api/attachments/*/chunks*');
    // A second file, chosen by mistake, is taken off again: its ciphertext is deleted at once.
    await page.getByLabel('Attach files').setInputFiles({ name: 'draft.txt', mimeType: 'text/plain', buffer: Buffer.from('not this one') });
    await expect.poll(() => page.getByText('Encrypted and uploaded').count(), { timeout: 15_000 }).toBe(2);
    await page.getByRole('button', { name: 'Remove draft.txt' }).click();
    await expect.poll(() => page.getByText('Encrypted and uploaded').count()).toBe(1);
    await page.getByLabel('Message', { exact: true }).fill('The plan is attached.');
    await page.getByRole('button', { name: 'Send securely' }).click();
    await page.getByRole('status').filter({ hasText: 'Sent' }).waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'attachments-sender.png'), fullPage: true });

    const m = morgan.page;
    await m.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Conversations' }).click();
    await m.getByRole('link', { name: 'Conversation with Jordan Ellis' }).click();
    const article = m.getByRole('article').filter({ hasText: 'The plan is attached.' });
    await article.waitFor({ timeout: 15_000 });
    await article.getByRole('button', { name: 'Download plan.pdf' }).click();
    const save = article.getByRole('link', { name: 'Save plan.pdf' });
    await save.waitFor({ timeout: 30_000 });
    const [download] = await Promise.all([m.waitForEvent('download'), save.click()]);
    expect(download.suggestedFilename()).toBe('plan.pdf');
    const saved = await readFile(await download.path());
    expect(saved.equals(pdf)).toBe(true);
    // The preview opens from the decrypted bytes, keyboard-reachable as a button.
    await article.getByRole('button', { name: 'Preview of plan.pdf' }).focus();
    await m.keyboard.press('Enter');
    await article.locator('iframe[title="Preview of plan.pdf"]').waitFor();
    await m.screenshot({ path: path.join(SCREENSHOTS, 'attachments-recipient.png'), fullPage: true });

    // The server held only ciphertext: the PDF's canary is nowhere in the database.
    const db = await rawClient(haven.database.url);
    try {
      await expect
        .poll(async () => (await db.query<{ n: number }>(`select count(*)::int as n from attachments where deleted_because = 'cancelled'`)).rows[0]?.n)
        .toBe(1);
      const sent = await db.query<{ n: number }>('select count(*)::int as n from attachments where message_id is not null and deleted_at is null');
      expect(sent.rows[0]?.n).toBe(1);
      const chunks = await db.query<{ n: number }>('select count(*)::int as n from attachment_chunks');
      expect(chunks.rows[0]?.n).toBeGreaterThan(0);
      const hits = await db.query(`select 1 from attachment_chunks where position($1::bytea in data) > 0`, [Buffer.from(CANARY)]);
      expect(hits.rowCount).toBe(0);
    } finally {
      await db.end();
    }
    expect(jordan.problems).toEqual([]);
    expect(morgan.problems).toEqual([]);
  });
});
