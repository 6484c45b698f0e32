import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults, Result } from 'axe-core';
import type { Page } from 'playwright-core';

// axe-core's own build, read once: resolved through Node so a hoisted or nested install both work.
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** WCAG 2.0, 2.1 and 2.2 at levels A and AA: the standard Haven's screens are held to. */
export const WCAG_AA_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

export type AxeViolation = Pick<Result, 'id' | 'impact' | 'help' | 'helpUrl'> & { targets: string[]; summaries: string[] };

/**
 * Runs axe-core in the page against WCAG 2.2 AA (colour contrast included) and returns the
 * violations, worst first.
 *
 * Haven's Content-Security-Policy allows only `script-src 'self'`, so `page.addScriptTag({ content })`
 * would be refused (and reported as a CSP violation by `watchForProblems`). `page.evaluate` is
 * not: Playwright runs it through the DevTools protocol (Runtime.evaluate), which the page's CSP
 * does not govern. So the check needs no `bypassCSP` context, and the app is tested under the
 * very policy it ships with. axe itself uses no eval, so it runs under that policy too.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // Scripts for the page are strings because the tests compile without the DOM's types.
  const loaded = await page.evaluate<boolean>(`typeof window.axe === 'object'`);
  // The source is a classic script: evaluated as an expression it defines window.axe.
  if (!loaded) await page.evaluate(AXE_SOURCE);
  // A string is evaluated, not called, so the tags go in as JSON.
  const results = await page.evaluate<AxeResults>(
    `window.axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(WCAG_AA_TAGS)} }, resultTypes: ['violations'] })`,
  );
  const order = ['critical', 'serious', 'moderate', 'minor'];
  return results.violations
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      targets: v.nodes.map((node) => node.target.join(' ')),
      summaries: v.nodes.map((node) => node.failureSummary ?? ''),
    }))
    .sort((a, b) => order.indexOf(a.impact ?? 'minor') - order.indexOf(b.impact ?? 'minor'));
}

/** Only the violations that block or seriously hinder someone: what the tests hold at zero. */
export function seriousOrCritical(violations: AxeViolation[]): AxeViolation[] {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** One line per violation, one indented line per element: enough to find and fix each. */
export function describeViolations(screen: string, violations: AxeViolation[]): string {
  if (violations.length === 0) return `${screen}: no violations`;
  const lines = violations.flatMap((v) => [
    `[${v.impact ?? 'unknown'}] ${v.id}: ${v.help} (${v.helpUrl})`,
    ...v.targets.map((target, i) => `    ${target}${v.summaries[i] ? ` — ${v.summaries[i].replace(/\s+/g, ' ').trim()}` : ''}`),
  ]);
  return `${screen}: ${violations.length} accessibility violation(s)\n${lines.join('\n')}`;
}

/**
 * Checks the page as it is now and returns what is wrong, serious or critical, as text for
 * `expect(...).toEqual([])`, so one failing screen names itself, its rules and its elements.
 */
export async function checkScreen(page: Page, screen: string): Promise<string[]> {
  const serious = seriousOrCritical(await axeViolations(page));
  return serious.length === 0 ? [] : [describeViolations(screen, serious)];
}
