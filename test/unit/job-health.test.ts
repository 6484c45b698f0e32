import { describe, expect, it } from 'vitest';
import { jobProblems, type JobRunFacts } from '../../server/jobs/job-health';

const now = new Date('2026-12-04T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const MIN = 60_000;
const run = (name: string, everyMs: number, declaredAgo: number, finishedAgo: number | null): JobRunFacts => ({
  name,
  everyMs,
  declaredAt: ago(declaredAgo),
  lastFinishedAt: finishedAgo === null ? null : ago(finishedAgo),
});

describe('jobProblems', () => {
  it('finds nothing when every schedule is there and every job ran within twice its interval', () => {
    const runs = [run('sweep', MIN, 10 * MIN, 2 * MIN), run('retention', 24 * 60 * MIN, 3 * 24 * 60 * MIN, 47 * 60 * MIN)];
    expect(jobProblems({ expected: ['sweep', 'retention'], runs, schedulers: ['sweep', 'retention'], now })).toEqual([]);
  });

  it('names a schedule missing from Redis, each one', () => {
    const runs = [run('sweep', MIN, 0, 0), run('retention', MIN, 0, 0)];
    expect(jobProblems({ expected: ['sweep', 'retention'], runs, schedulers: ['retention'], now })).toEqual(['the schedule of sweep is missing from Redis']);
    expect(jobProblems({ expected: ['sweep', 'retention'], runs, schedulers: [], now })).toEqual([
      'the schedule of sweep is missing from Redis',
      'the schedule of retention is missing from Redis',
    ]);
  });

  it('does not call schedules missing when Redis could not be read (its own probe says Redis is down)', () => {
    expect(jobProblems({ expected: ['sweep'], runs: [run('sweep', MIN, 0, 0)], schedulers: null, now })).toEqual([]);
  });

  it('names a job no worker has ever scheduled', () => {
    expect(jobProblems({ expected: ['sweep'], runs: [], schedulers: ['sweep'], now })).toEqual(['sweep has never been scheduled by a worker']);
  });

  it('counts twice the interval from the last finish: exactly twice is still on time, a millisecond more is late', () => {
    const at = (finishedAgo: number) => jobProblems({ expected: ['sweep'], runs: [run('sweep', MIN, 60 * MIN, finishedAgo)], schedulers: ['sweep'], now });
    expect(at(2 * MIN)).toEqual([]);
    expect(at(2 * MIN + 1)).toEqual(['sweep has not run for 2 min (it runs every 60 s)']);
    expect(at(30 * MIN)).toEqual(['sweep has not run for 30 min (it runs every 60 s)']);
  });

  it('before a first finish, counts from the declaration', () => {
    const at = (declaredAgo: number) => jobProblems({ expected: ['r'], runs: [run('r', 24 * 60 * MIN, declaredAgo, null)], schedulers: ['r'], now });
    expect(at(47 * 60 * MIN)).toEqual([]);
    expect(at(49 * 60 * MIN)).toEqual(['r has not run since it was scheduled for 49 h (it runs every 24 h)']);
  });

  it('ignores rows of jobs it does not expect (a job removed in a later version)', () => {
    expect(jobProblems({ expected: [], runs: [run('old', MIN, 99 * MIN, null)], schedulers: [], now })).toEqual([]);
  });
});
