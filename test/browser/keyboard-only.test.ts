import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { startTestHaven, type TestHaven } from '../support/haven';
import { totpCode } from '../support/totp';
import { SCREENSHOTS, launchBrowser, watchForProblems } from './browser';
import { signInInBrowser } from './people-in-browsers';
import { confirmDemoKeys } from '../support/confirm-keys';

// A practitioner who uses only a keyboard: every step below is a key press or typing through
// page.keyboard. The page is read (what has focus, what it says) but never clicked or filled.

let haven: TestHaven;
let browser: Browser;
const contexts: BrowserContext[] = [];
const TEXT = `Keyboard-only message ${randomUUID()}: the home visit is moved to Friday.`;

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

interface Focus {
  kind: string;
  name: string;
  /** The legend of the fieldset it is in, for radios and checkboxes. */
  group: string;
  checked: boolean;
  value: string;
  /** Colours that mark focus (outline, shadows, focus fill) and the background they sit on. */
  indicator: string[];
  surround: string;
}

/** What has focus now, read from the page (a string: the tests compile without the DOM's types). */
function focused(page: Page): Promise<Focus> {
  return page.evaluate<Focus>(`(() => {
    const squash = (text) => (text ?? '').replace(/\\s+/g, ' ').trim();
    const el = document.activeElement;
    if (!(el instanceof HTMLElement) || el === document.body) {
      return { kind: 'none', name: '', group: '', checked: false, value: '', indicator: [], surround: '' };
    }
    const tag = el.tagName.toLowerCase();
    const kind = el instanceof HTMLInputElement ? el.type : tag === 'a' ? 'link' : tag;
    const name = squash(el.getAttribute('aria-label') ?? el.labels?.[0]?.textContent ?? el.textContent);
    const style = getComputedStyle(el);
    const indicator = [];
    if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) indicator.push(style.outlineColor);
    if (style.boxShadow !== 'none') indicator.push(...(style.boxShadow.match(/rgba?\\([^)]*\\)/g) ?? []));
    if (style.backgroundColor === 'rgb(255, 221, 0)') indicator.push(style.backgroundColor);
    let surround = 'rgb(255, 255, 255)';
    for (let up = el.parentElement; up; up = up.parentElement) {
      const bg = getComputedStyle(up).backgroundColor;
      if (bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent') {
        surround = bg;
        break;
      }
    }
    return {
      kind,
      name,
      group: squash(el.closest('fieldset')?.querySelector('legend')?.textContent),
      checked: el instanceof HTMLInputElement && el.checked,
      value: el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement ? el.value : '',
      indicator: indicator.filter((colour) => !/rgba\\([^)]*,\\s*0\\)$/.test(colour)),
      surround,
    };
  })()`);
}

function luminance(rgb: string): number {
  const [r = 0, g = 0, b = 0] = (rgb.match(/[\d.]+/g) ?? []).slice(0, 3).map((n) => {
    const c = Number(n) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Focus must show, in a colour with at least 3:1 contrast against what is around it (WCAG 1.4.11). */
function expectVisibleFocus(focus: Focus): void {
  const best = Math.max(0, ...focus.indicator.map((colour) => contrast(colour, focus.surround)));
  expect(best, `focus indicator of ${focus.kind} "${focus.name}" (${focus.indicator.join(', ') || 'none'} on ${focus.surround})`).toBeGreaterThanOrEqual(3);
}

/** Presses Tab (Shift+Tab with `back`) until the named control has focus, checking each stop shows its focus. */
async function tabTo(page: Page, want: { name?: string; kind?: string; group?: string; back?: boolean }): Promise<Focus> {
  const path: string[] = [];
  for (let presses = 0; presses < 150; presses++) {
    await page.keyboard.press(want.back ? 'Shift+Tab' : 'Tab');
    const now = await focused(page);
    path.push(`${now.kind} "${now.name.slice(0, 40)}"`);
    if (now.kind !== 'none') expectVisibleFocus(now);
    if (
      (want.name === undefined || now.name === want.name) &&
      (want.kind === undefined || now.kind === want.kind) &&
      (want.group === undefined || now.group === want.group)
    ) {
      return now;
    }
  }
  throw new Error(`Tab never reached ${JSON.stringify(want)}; the last stops were:\n${path.slice(-25).join('\n')}`);
}

async function typeInto(page: Page, name: string, text: string, kind?: string): Promise<void> {
  await tabTo(page, { name, kind });
  await page.keyboard.type(text);
}

/** Tabs into a radio group, then moves with the arrow keys (which select) to the option; Space selects the first. */
async function chooseRadio(page: Page, group: string, option: string): Promise<void> {
  let now = await tabTo(page, { kind: 'radio', group });
  for (let presses = 0; now.name !== option && presses < 20; presses++) {
    await page.keyboard.press('ArrowDown');
    now = await focused(page);
  }
  expect(now.name, `option in "${group}"`).toBe(option);
  if (!now.checked) await page.keyboard.press('Space');
  expect((await focused(page)).checked).toBe(true);
}

async function tickBox(page: Page, name: string): Promise<void> {
  await tabTo(page, { name, kind: 'checkbox' });
  await page.keyboard.press('Space');
  expect((await focused(page)).checked).toBe(true);
}

/**
 * Types a date into a date field in the order the browser shows its parts (day or month first,
 * by the browser's language, which headless Chromium does not take from the context's locale):
 * a first try tells which, then Shift+Tab goes back to the first part to type the real date.
 */
async function typeDate(page: Page, name: string, date: Date): Promise<void> {
  await tabTo(page, { name, kind: 'date' });
  await page.keyboard.type('01022020');
  const dayFirst = (await focused(page)).value === '2020-02-01';
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Shift+Tab');
  const two = (n: number) => String(n).padStart(2, '0');
  const [day, month] = [two(date.getDate()), two(date.getMonth() + 1)];
  await page.keyboard.type(`${dayFirst ? day + month : month + day}${date.getFullYear()}`);
  expect((await focused(page)).value).toBe(`${date.getFullYear()}-${month}-${day}`);
}

/** After moving to a new screen, focus is on its main heading. */
async function expectFocusOnHeading(page: Page, heading: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: heading }).waitFor({ timeout: 15_000 });
  // Focus moves once the screen has loaded what it shows, a moment after the heading can appear.
  await expect.poll(async () => `${(await focused(page)).kind} ${(await focused(page)).name}`, { timeout: 5_000 }).toBe(`h1 ${heading}`);
}

describe('keyboard only, in Chromium', () => {
  it('a practitioner signs in, finds a child, starts a conversation and sends a message without a mouse', { timeout: 120_000 }, async () => {
    // Morgan, who receives it, uses a browser the ordinary way; signing in makes and publishes his keys.
    const morganContext = await browser.newContext();
    contexts.push(morganContext);
    const morgan = await morganContext.newPage();
    const morganProblems = watchForProblems(morgan);
    await signInInBrowser(morgan, haven, 'Morgan');
    await confirmDemoKeys(haven, ['Morgan']);

    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const problems = watchForProblems(page);
    const jordan = haven.account('Jordan');
    await page.goto(haven.url);
    await page.getByRole('heading', { level: 1, name: 'Sign in to Haven' }).waitFor();

    // The first Tab reaches the skip link, which takes focus past the header to the main content.
    const skip = await tabTo(page, {});
    expect(skip).toMatchObject({ kind: 'link', name: 'Skip to main content' });
    await page.keyboard.press('Enter');
    expect(await page.evaluate<string>('document.activeElement?.id')).toBe('main');

    await typeInto(page, 'Email address', jordan.email);
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ kind: 'password', name: 'Password' });
    await page.keyboard.type(jordan.password);
    await page.keyboard.press('Enter');

    await expectFocusOnHeading(page, 'Enter your security code');
    await typeInto(page, 'Security code', totpCode(jordan.totpSecret ?? ''));
    await page.keyboard.press('Enter');
    // Sign-in lands on Home; the account page, from the header, shows once this browser's keys are ready.
    await expectFocusOnHeading(page, 'Home');
    await tabTo(page, { name: 'Your account', kind: 'link', back: true });
    await page.keyboard.press('Enter');
    await expectFocusOnHeading(page, 'Your Haven account');
    await page.locator('code.fingerprint').waitFor({ timeout: 15_000 });

    // Find a child, from the main navigation.
    await tabTo(page, { name: 'Find a child', kind: 'link', back: true });
    await page.keyboard.press('Enter');
    await expectFocusOnHeading(page, 'Find a child');
    await typeInto(page, 'Name', 'Lily Hartwell');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: '1 child found' }).waitFor();
    await tabTo(page, { name: 'Open record for Lily Hartwell', kind: 'button' });
    await page.keyboard.press('Enter');
    // The reason is asked for in place, and focus moves to it.
    expect(await focused(page)).toMatchObject({ kind: 'textarea', name: 'Why do you need to see this record?' });
    await page.keyboard.type('To plan a joint home visit with the police');
    await tabTo(page, { name: 'Open record', kind: 'button' });
    await page.keyboard.press('Enter');
    await expectFocusOnHeading(page, 'Lily Hartwell');

    // Start a conversation with Morgan Reid.
    await tabTo(page, { name: 'Start a conversation', kind: 'button' });
    await page.keyboard.press('Space');
    await expectFocusOnHeading(page, 'Start a conversation');
    await typeInto(page, 'Name of the person', 'Morgan', 'search');
    await page.keyboard.press('Enter');
    await tabTo(page, { name: 'Add Morgan Reid', kind: 'button' });
    await page.keyboard.press('Enter');
    expect(await focused(page)).toMatchObject({ kind: 'textarea', name: 'Why does Morgan Reid need to know?' });
    await page.keyboard.type('PC Reid is attending the home visit.');

    await chooseRadio(page, 'Consent', 'Consent given');
    await chooseRadio(page, 'Who gave consent?', 'A parent');
    await typeDate(page, 'Date consent was given', new Date());
    await typeInto(page, 'Purpose of sharing', 'To plan a joint home visit this week.', 'textarea');
    await tickBox(page, 'Family and household');
    await chooseRadio(page, 'Lawful basis (UK GDPR Article 6)', 'Public task');
    await chooseRadio(page, 'Does it include special category information (for example health)?', 'No');
    await chooseRadio(page, 'Legal gateway', 'Children Act 2004 s.10');
    await typeInto(page, 'Why is sharing necessary and proportionate?', 'Only what the visiting officer needs to know.', 'textarea');
    await chooseRadio(page, 'Was the child or family told?', 'Yes');
    await tabTo(page, { name: 'Start conversation', kind: 'button' });
    await page.keyboard.press('Enter');

    // The conversation: write the message and send it.
    await expectFocusOnHeading(page, 'Conversation');
    await typeInto(page, 'Message', TEXT, 'textarea');
    await tabTo(page, { name: 'Send securely', kind: 'button' });
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Sent' }).waitFor({ timeout: 15_000 });
    await page.getByRole('article').filter({ hasText: TEXT }).waitFor();
    // Focus is back in the message box, ready for the next message.
    expect(await focused(page)).toMatchObject({ kind: 'textarea', name: 'Message', value: '' });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'keyboard-only-sent.png'), fullPage: true });

    // Morgan's browser receives the message and opens it.
    await morgan.getByText('You have a new secure message').waitFor({ timeout: 15_000 });
    await morgan.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Conversations' }).click();
    await morgan.getByRole('link', { name: 'Conversation with Jordan Ellis' }).click();
    const received = morgan.getByRole('article').filter({ hasText: TEXT });
    await received.waitFor({ timeout: 15_000 });
    expect(await received.innerText()).toContain('Jordan Ellis');
    expect(await received.innerText()).not.toContain('cannot be');

    expect(problems).toEqual([]);
    expect(morganProblems).toEqual([]);
  });
});
