import { cpus, totalmem } from 'node:os';

export interface BenchResult {
  name: string;
  haven: number;
  baseline: number;
  /** Always haven ÷ baseline; the goal says which way is better. */
  ratio: number;
  unit: string;
  goal: string;
}

/** Runs `fn` repeatedly for about `ms` milliseconds and returns the mean time per call in microseconds. */
function timePerCall(fn: () => void, ms: number): number {
  let calls = 0;
  const start = performance.now();
  const until = start + ms;
  while (performance.now() < until) {
    fn();
    calls += 1;
  }
  return ((performance.now() - start) * 1000) / calls;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Times Haven's call and its baseline's in alternating rounds (after a warm-up of each) and
 * returns each one's median time per call in microseconds. A virtual machine's speed drifts by
 * tens of percent within seconds; timed one after the other, the two would be measured at
 * different speeds, and alternating puts each pair of rounds at nearly the same one.
 */
export function timeSideBySide(haven: () => void, baseline: () => void, rounds = 12, msPerRound = 250): { haven: number; baseline: number } {
  timePerCall(haven, msPerRound);
  timePerCall(baseline, msPerRound);
  const havenTimes: number[] = [];
  const baselineTimes: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    havenTimes.push(timePerCall(haven, msPerRound));
    baselineTimes.push(timePerCall(baseline, msPerRound));
  }
  return { haven: median(havenTimes), baseline: median(baselineTimes) };
}

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`;
}

export function formatLine(r: BenchResult): string {
  return `${r.name.padEnd(20)} haven ${r.haven.toFixed(1)} ${r.unit}  baseline ${r.baseline.toFixed(1)} ${r.unit}  ratio ${r.ratio.toFixed(2)}×  (goal ${r.goal})`;
}
