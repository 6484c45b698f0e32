// Issue 18, on a phone (390 px) and on an admin's 1280 px screen: the navigation folds behind
// "Menu" instead of taking half the screen; the message box stays on screen while reading a long
// conversation; an admin's navigation fits on one line.
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { confirmDemoKeys } from '../support/confirm-keys';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, welfareRecord } from '../support/practitioner';
import { checkScreen } from './axe';
import { SCREENSHOTS, launchBrowser, watchForProblems } from './browser';
import { sealToBrowserUser, signInInBrowser } from './people-in-browsers';

let haven: TestHaven;
let browser: Browser;
const people = new People(() => haven);
const contexts: BrowserContext[] = [];

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

async function pageAt(width: number, height: number, name: string): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  const problems = watchForProblems(page);
  // Signed in at the default size (the helper waits for the keys on the account page), then resized.
  await signInInBrowser(page, haven, name);
  await page.setViewportSize({ width, height });
  return { page, problems };
}

/** Whether the element's first `visible` pixels (all of it by default) are inside the viewport. */
async function inViewport(page: Page, selector: string, visible?: number): Promise<boolean> {
  const box = await page.locator(selector).boundingBox();
  const height = page.viewportSize()?.height ?? 0;
  return box !== null && box.y >= 0 && box.y + Math.min(visible ?? box.height, box.height) <= height;
}

describe('layouts', () => {
  it('on a phone: a folded menu, and the message box on screen while reading', { timeout: 120_000 }, async () => {
    const { page, problems } = await pageAt(390, 844, 'Jordan');
    const nav = page.getByRole('navigation', { name: 'Main' });
    // Folded: the header is a bar, not half the screen.
    expect(await nav.isVisible()).toBe(false);
    const header = await page.locator('header').boundingBox();
    expect(header?.height).toBeLessThan(844 * 0.15);
    await page.getByRole('button', { name: 'Menu' }).click();
    await nav.getByRole('link', { name: 'Conversations' }).waitFor();
    expect(await page.getByRole('button', { name: 'Menu' }).getAttribute('aria-expanded')).toBe('true');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'mobile-menu-open.png') });
    expect(await checkScreen(page, 'phone, menu open')).toEqual([]);

    // A long conversation from Morgan.
    const morgan = new Practitioner(await people.as('Morgan'));
    await morgan.publishKeys();
    await confirmDemoKeys(haven, ['Jordan', 'Morgan']);
    await morgan.connect();
    const jordanId = (await morgan.api.get<{ people: { id: string }[] }>('/api/people?name=Jordan')).body.people[0]?.id ?? '';
    const childId = (await morgan.api.get<{ children: { id: string }[] }>('/api/children?name=Lily%20Hartwell')).body.children[0]?.id ?? '';
    expect((await morgan.api.post(`/api/children/${childId}/open`, { reason: 'Planning a joint visit with children’s services' })).status).toBe(200);
    const thread = (
      await morgan.api.post<{ thread: { id: string; childId: string } }>(`/api/children/${childId}/threads`, {
        participants: [{ userId: jordanId, needToKnowReason: 'The child’s social worker' }],
        record: welfareRecord,
      })
    ).body.thread;
    for (let i = 1; i <= 12; i++) {
      const text = `Update ${i}: ${'the household situation is unchanged and the school reports attendance is steady. '.repeat(2)}`;
      expect(await morgan.send(await sealToBrowserUser(morgan, thread, jordanId, text))).toMatchObject({ ok: true });
    }
    morgan.disconnect();

    await page.goto(`${haven.url}/#/conversations/${thread.id}`);
    await page.getByRole('article').filter({ hasText: 'Update 12:' }).waitFor({ timeout: 15_000 });
    // Reading: the newest message and the message box are on screen together.
    await page.getByRole('heading', { name: 'Send a message' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'mobile-conversation.png') });
    await expect.poll(() => inViewport(page, 'article:has-text("Update 12:")'), { timeout: 5_000 }).toBe(true);
    // The box itself, enough of it to type in (its lower edge may sit below, as the keyboard would cover it anyway).
    expect(await inViewport(page, 'textarea', 60)).toBe(true);
    expect(await checkScreen(page, 'phone, a long conversation')).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('an admin’s navigation fits on one line at 1280 px', { timeout: 60_000 }, async () => {
    const { page, problems } = await pageAt(1280, 800, 'Sam');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'admin-navigation-1280.png') });
    const links = page.getByRole('navigation', { name: 'Main' }).getByRole('link');
    expect(await links.count()).toBeGreaterThanOrEqual(8);
    const tops = new Set<number>();
    for (const link of await links.all()) tops.add(Math.round((await link.boundingBox())?.y ?? -1));
    expect([...tops]).toHaveLength(1);
    expect(await page.getByRole('button', { name: 'Menu' }).isVisible()).toBe(false);
    expect(problems).toEqual([]);
  });
});
