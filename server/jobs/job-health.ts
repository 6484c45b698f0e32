/**
 * Whether Haven's background jobs are running as scheduled: each expected schedule present in
 * Redis, and each job finished within twice its interval (of the last finish, or of its
 * declaration before it first finishes). Pure: the caller reads the rows and the scheduler ids.
 */
export interface JobRunFacts {
  name: string;
  everyMs: number;
  declaredAt: Date;
  lastFinishedAt: Date | null;
}

export function jobProblems(input: {
  expected: readonly string[];
  runs: readonly JobRunFacts[];
  /** The scheduler ids Redis holds, or null when they could not be read (Redis down is reported on its own). */
  schedulers: readonly string[] | null;
  now: Date;
}): string[] {
  const problems: string[] = [];
  for (const name of input.expected) {
    if (input.schedulers && !input.schedulers.includes(name)) problems.push(`the schedule of ${name} is missing from Redis`);
    const run = input.runs.find((r) => r.name === name);
    if (!run) {
      problems.push(`${name} has never been scheduled by a worker`);
      continue;
    }
    const since = run.lastFinishedAt ?? run.declaredAt;
    const late = input.now.getTime() - since.getTime();
    if (late > 2 * run.everyMs) {
      problems.push(
        `${name} has not ${run.lastFinishedAt ? 'run' : 'run since it was scheduled'} for ${describe(late)} (it runs every ${describe(run.everyMs)})`,
      );
    }
  }
  return problems;
}

function describe(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}
