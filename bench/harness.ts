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

/** Runs `fn` repeatedly for about `ms` milliseconds (after a warm-up) and returns the mean time per call in microseconds. */
export function timePerCall(fn: () => void, ms = 1_500): number {
  const warmUntil = performance.now() + ms / 5;
  while (performance.now() < warmUntil) fn();
  let calls = 0;
  const start = performance.now();
  const until = start + ms;
  while (performance.now() < until) {
    fn();
    calls += 1;
  }
  return ((performance.now() - start) * 1000) / calls;
}

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`;
}

export function formatLine(r: BenchResult): string {
  return `${r.name.padEnd(20)} haven ${r.haven.toFixed(1)} ${r.unit}  baseline ${r.baseline.toFixed(1)} ${r.unit}  ratio ${r.ratio.toFixed(2)}×  (goal ${r.goal})`;
}
