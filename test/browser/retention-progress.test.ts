import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { seedAgedChildren } from '../support/aged-children';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { SCREENSHOTS, launchBrowser, watchForProblems } from './browser';
import { signInInBrowser } from './people-in-browsers';
import { recordProgress, type SeenProgress } from './progress-recorder';

let haven: TestHaven;
let browser: Browser;
let context: BrowserContext;
// Two batches of 500 and a part batch (the default batch is larger).
const DUE = 1_234;

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true, env: { HAVEN_RETENTION_BATCH_SIZE: '500' } });
  browser = await launchBrowser();
  context = await browser.newContext();
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await haven?.close();
});

function expectCountingUp(seen: SeenProgress[], label: string): void {
  const values = seen.filter((s) => s.label === label && s.value !== null).map((s) => s.value ?? 0);
  expect(values.length).toBeGreaterThan(1);
  for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1] ?? 0);
}

async function retentionScreen(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Retention' }).click();
  await page.getByRole('heading', { name: 'Retention', level: 1 }).waitFor();
  await page.getByRole('heading', { name: 'Recent runs' }).waitFor();
}

describe('retention progress in Chromium', () => {
  it('Sam sees a dry run and a destruction count up to the children due, batch by batch', { timeout: 120_000 }, async () => {
    await seedAgedChildren(haven.database.url, DUE);
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await signInInBrowser(page, haven, 'Sam');
    await retentionScreen(page);
    const seen = await recordProgress(page);

    await page.getByRole('button', { name: 'Run a dry run' }).click();
    await page.getByRole('region', { name: 'Dry run finished' }).waitFor({ timeout: 30_000 });
    const dryBar = page.getByRole('progressbar', { name: 'Progress of the dry run' });
    expect(await dryBar.getAttribute('max')).toBe(String(DUE));
    expect(await dryBar.getAttribute('value')).toBe(String(DUE));
    expect(await page.getByRole('status').innerText()).toBe('Finished. Checked 1,234 of 1,234 children’s records; nothing was changed.');
    const dry = await seen();
    // Counted before any batch: the bar knew its end while there was still work to do.
    expect(dry.some((s) => s.max === DUE && s.value !== null && s.value < DUE && /^Checked [\d,]+ of 1,234 children’s records…$/.test(s.status))).toBe(true);
    expectCountingUp(dry, 'Progress of the dry run');

    await page.getByRole('button', { name: 'Destroy records now' }).click();
    await page.getByRole('button', { name: 'Yes, destroy records now' }).click();
    await page.getByRole('region', { name: 'Records destroyed' }).waitFor({ timeout: 60_000 });
    const bar = page.getByRole('progressbar', { name: 'Progress of destroying records' });
    expect(await bar.getAttribute('value')).toBe(String(DUE));
    expect(await page.getByRole('status').innerText()).toBe('Finished. Destroyed 1,234 of 1,234 children’s records.');
    const destroyed = (await seen()).filter((s) => s.label === 'Progress of destroying records');
    // A batch at a time: at least one state part of the way through.
    expect(destroyed.some((s) => s.value !== null && s.value > 0 && s.value < DUE && /^Destroyed [\d,]+ of 1,234 children’s records…$/.test(s.status))).toBe(
      true,
    );
    expectCountingUp(destroyed, 'Progress of destroying records');
    await page.getByRole('region', { name: 'Recent runs' }).getByRole('cell', { name: '1,234' }).first().waitFor();
    await bar.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'retention-progress.png') });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a run already under way when the screen opens (a reload, another tab) is followed from its row to the end', { timeout: 120_000 }, async () => {
    await seedAgedChildren(haven.database.url, DUE);
    // Holding the tombstones table stops the run inside its first batch, after it has counted.
    const lock = await rawClient(haven.database.url);
    await lock.query('begin');
    await lock.query('lock table child_tombstones in exclusive mode');
    try {
      const first = await context.newPage();
      const firstProblems = watchForProblems(first);
      await first.goto(haven.url);
      await retentionScreen(first);
      await first.getByRole('button', { name: 'Destroy records now' }).click();
      await first.getByRole('button', { name: 'Yes, destroy records now' }).click();
      await first.getByRole('status').getByText('Destroyed 0 of 1,234 children’s records…').waitFor({ timeout: 30_000 });

      const second = await context.newPage();
      const secondProblems = watchForProblems(second);
      await second.goto(haven.url);
      await retentionScreen(second);
      const bar = second.getByRole('progressbar', { name: 'Progress of destroying records' });
      await bar.waitFor({ timeout: 15_000 });
      expect(await bar.getAttribute('max')).toBe(String(DUE));
      expect(await second.getByRole('status').innerText()).toBe('Destroyed 0 of 1,234 children’s records…');
      await bar.scrollIntoViewIfNeeded();
      await second.screenshot({ path: path.join(SCREENSHOTS, 'retention-progress-followed.png') });
      expect(await second.getByRole('button', { name: 'Destroy records now' }).isDisabled()).toBe(true);
      await second.getByRole('region', { name: 'Recent runs' }).getByRole('cell', { name: '0 of 1,234 so far' }).waitFor();
      const seen = await recordProgress(second);

      await lock.query('commit');
      await second.getByRole('status').getByText('Finished. Destroyed 1,234 of 1,234 children’s records.').waitFor({ timeout: 60_000 });
      expect(await bar.getAttribute('value')).toBe(String(DUE));
      expectCountingUp(await seen(), 'Progress of destroying records');
      await second.getByRole('region', { name: 'Recent runs' }).getByRole('cell', { name: 'Finished' }).first().waitFor({ timeout: 15_000 });
      await first.getByRole('region', { name: 'Records destroyed' }).waitFor({ timeout: 60_000 });
      expect(firstProblems).toEqual([]);
      expect(secondProblems).toEqual([]);
    } finally {
      await lock.query('rollback').catch(() => undefined);
      await lock.end();
    }
  });
});
