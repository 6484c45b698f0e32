import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { confirmDemoKeys } from '../support/confirm-keys';
import { SCREENSHOTS, freshBrowser, launchBrowser } from './browser';
import { fillShareRecord, signInInBrowser } from './people-in-browsers';

// Files on a verbal share itself (issue 21): Jordan logs a phone call with PC Reid and attaches the
// body map discussed; Morgan, who took part, opens it from the chronology in another browser.

let haven: TestHaven;
let browser: Browser;
const contexts: BrowserContext[] = [];
const CANARY = `CANARY-verbal-pdf-${Date.now()}`;

function pdfBytes(): Buffer {
  const text = `%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >> endobj\n4 0 obj << /Length 44 >> stream\nBT /F1 12 Tf 20 100 Td (${CANARY}) Tj ET\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`;
  const filler = Buffer.alloc(300_000);
  for (let i = 0; i < filler.length; i++) filler[i] = (i * 13) % 256;
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
  const opened = await freshBrowser(browser, contexts);
  await signInInBrowser(opened.page, haven, name);
  return opened;
}

async function openLily(page: Page, why: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Find a child' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Lily Hartwell');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: 'Open record for Lily Hartwell' }).click();
  await page.getByLabel('Why do you need to see this record?').fill(why);
  await page.getByRole('button', { name: 'Open record' }).click();
}

function anHourAgo(): { date: string; time: string } {
  const at = new Date(Date.now() - 60 * 60_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return { date: `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}`, time: `${two(at.getHours())}:${two(at.getMinutes())}` };
}

describe('files on a verbal share, in Chromium', () => {
  it(
    'Jordan attaches a PDF to a verbal share; Morgan, who took part, downloads identical bytes from the chronology in the other browser',
    { timeout: 180_000 },
    async () => {
      const jordan = await practitioner('Jordan');
      const morgan = await practitioner('Morgan');
      await confirmDemoKeys(haven, ['Jordan', 'Morgan']);
      const page = jordan.page;
      await openLily(page, 'To record a phone call with the police about Lily');
      await page.getByRole('button', { name: 'Record a verbal share' }).click();
      await page.getByRole('heading', { name: 'Record a verbal share', level: 1 }).waitFor();
      const when = anHourAgo();
      await page.getByLabel('Date', { exact: true }).fill(when.date);
      await page.getByLabel('Time', { exact: true }).fill(when.time);
      await page.getByLabel('Name of the person').fill('Morgan');
      await page.getByRole('button', { name: 'Find person' }).click();
      await page.getByRole('button', { name: 'Add Morgan Reid' }).click();
      await page.getByLabel('Why does Morgan Reid need to know?').fill('PC Reid is attending the home visit this afternoon.');
      await fillShareRecord(page, 'To plan the joint visit with the body map in hand.', 'Only the body map and what it shows.', { past: true });
      await page.getByLabel('Summary (optional)').fill('Talked PC Reid through the school nurse’s body map.');

      const pdf = pdfBytes();
      await page.getByRole('group', { name: 'Files for this share' }).getByLabel('Attach files').setInputFiles({
        name: 'body-map.pdf',
        mimeType: 'application/pdf',
        buffer: pdf,
      });
      await page.getByText('Encrypted and uploaded').waitFor({ timeout: 30_000 });
      await page.getByRole('button', { name: 'Record verbal share' }).click();

      await page.getByRole('heading', { name: 'Chronology', level: 1 }).waitFor();
      const mine = page.getByRole('article').filter({ hasText: 'Verbal share' });
      await mine.getByText('body map', { exact: false }).first().waitFor();
      // The share record says documents were shared, though Jordan ticked only family and household.
      expect(await mine.innerText()).toContain('Documents');
      await mine.getByRole('button', { name: 'Download body-map.pdf' }).waitFor();
      await page.screenshot({ path: path.join(SCREENSHOTS, 'verbal-share-files-recorder.png'), fullPage: true });

      const m = morgan.page;
      await openLily(m, 'To read what the council shared about Lily');
      await m
        .getByRole('link', { name: /^Chronology/ })
        .first()
        .click();
      await m.getByRole('heading', { name: 'Chronology', level: 1 }).waitFor();
      const entry = m.getByRole('article').filter({ hasText: 'Verbal share' });
      await entry.getByText('Talked PC Reid through the school nurse’s body map.').waitFor({ timeout: 15_000 });
      await entry.getByRole('button', { name: 'Download body-map.pdf' }).click();
      const save = entry.getByRole('link', { name: 'Save body-map.pdf' });
      await save.waitFor({ timeout: 30_000 });
      const [download] = await Promise.all([m.waitForEvent('download'), save.click()]);
      expect(download.suggestedFilename()).toBe('body-map.pdf');
      expect((await readFile(await download.path())).equals(pdf)).toBe(true);
      await m.screenshot({ path: path.join(SCREENSHOTS, 'verbal-share-files-participant.png'), fullPage: true });

      // The server holds ciphertext only, tied to the logged share; the PDF's canary is nowhere in it.
      const db = await rawClient(haven.database.url);
      try {
        const files = await db.query<{ share_id: string | null; thread_id: string | null }>(
          'select share_id, thread_id from attachments where deleted_at is null',
        );
        expect(files.rows).toEqual([{ share_id: expect.any(String), thread_id: null }]);
        const hits = await db.query(`select 1 from attachment_chunks where position($1::bytea in data) > 0`, [Buffer.from(CANARY)]);
        expect(hits.rowCount).toBe(0);
      } finally {
        await db.end();
      }
      expect(jordan.problems).toEqual([]);
      expect(morgan.problems).toEqual([]);
    },
  );
});
