import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { testTrustRoots } from '../support/trust-roots';

export const SCREENSHOTS = path.resolve('test-results/screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The web build must trust the test servers' keys (test/fixtures/README.md); a build made for this
 * machine's own installation (`npm start`) would refuse every test server's key log.
 */
function requireTestBuild(): void {
  let built = '';
  try {
    built = JSON.stringify(JSON.parse(readFileSync(path.resolve('web/dist/trust-roots.json'), 'utf8')));
  } catch {
    // No build, or one from before trust roots: said below.
  }
  if (built !== JSON.stringify(testTrustRoots())) {
    throw new Error(
      'web/dist is not built with the test trust roots: run `HAVEN_TRUST_ROOTS_FILE=test/fixtures/trust-roots.json npm run build:web` (npm test does)',
    );
  }
}

/** Debian's Chromium, headless, with nothing reaching outside this machine. */
export async function launchBrowser(): Promise<Browser> {
  requireTestBuild();
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Collects Content-Security-Policy violations and page errors, which must stay empty. */
export function watchForProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (/Content.Security.Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return problems;
}

/** A page in a context of its own (a new browser, as far as the page can tell), watched for problems; the context is kept in `contexts` for closing. */
export async function freshBrowser(browser: Browser, contexts: BrowserContext[]): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  return { page, problems: watchForProblems(page) };
}
