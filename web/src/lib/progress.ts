// Shared by the screens that show long work (retention runs, subject access exports, restoring
// keys) through ProgressStatus: the shape of a step list, counts in words, and a way to let the
// page paint a status before work that holds the main thread.

export type StepState = 'done' | 'current' | 'todo';

export interface ProgressStep {
  text: string;
  state: StepState;
}

/** Steps in order, with those before `current` done; `current` past the end marks all done. */
export function stepsUpTo(texts: readonly string[], current: number): ProgressStep[] {
  return texts.map((text, i) => ({ text, state: i < current ? 'done' : i === current ? 'current' : 'todo' }));
}

const counts = new Intl.NumberFormat('en-GB');

/** 4000 → "4,000". */
export function formatCount(n: number): string {
  return counts.format(n);
}

/** 40960 → "40 KB": sizes of downloads, rounded as people say them. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * Resolves once the browser has had a chance to paint what the state says now. Argon2id runs
 * synchronously for a second or more; without this the status for it would appear only after
 * it finished. A hidden tab gets no animation frames, so a timer stands in for one.
 */
export function nextPaint(): Promise<void> {
  return new Promise((resolve) => {
    const fallback = setTimeout(resolve, 100);
    requestAnimationFrame(() =>
      setTimeout(() => {
        clearTimeout(fallback);
        resolve();
      }, 0),
    );
  });
}
