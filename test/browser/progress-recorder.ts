import type { Page } from 'playwright-core';

/** One state of a ProgressStatus: its bar (value null while indeterminate), steps and status line. */
export interface SeenProgress {
  label: string;
  value: number | null;
  max: number;
  steps: string[];
  status: string;
}

/**
 * Records every state the page's progress bars and status lines pass through, as the DOM changes,
 * so a test can see states that last only a moment. Returns a function that reads them back. The
 * script is a string because the tests compile without the DOM's types.
 */
export async function recordProgress(page: Page): Promise<() => Promise<SeenProgress[]>> {
  await page.evaluate(`(() => {
    const seen = (window.__seenProgress = []);
    const last = new Map();
    new MutationObserver(() => {
      for (const bar of document.querySelectorAll('progress')) {
        const box = bar.parentElement;
        const status = box?.querySelector('[role=status]');
        if (!box || !status) continue;
        const now = {
          label: bar.labels?.[0]?.textContent?.trim() ?? '',
          value: bar.position === -1 ? null : bar.value,
          max: bar.max,
          steps: Array.from(box.querySelectorAll('li'), (li) => li.textContent.replace(/\\s+/g, ' ').trim()),
          status: status.textContent.trim(),
        };
        const key = JSON.stringify(now);
        if (last.get(bar) !== key) {
          last.set(bar, key);
          seen.push(now);
        }
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  })()`);
  return () => page.evaluate<SeenProgress[]>('window.__seenProgress');
}
