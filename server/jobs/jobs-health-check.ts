import type { Database } from '../db';
import type { Clock } from '../shared/clock';
import { JOB_NAMES } from '../../workers/jobs';
import { jobProblems } from './job-health';
import { listJobRuns } from './job-runs.store';

/**
 * The background jobs' part of /api/health and `npm run haven -- verify`: every expected
 * schedule in Redis (when it can be read) and every job run within twice its interval, from the
 * record the workers keep in PostgreSQL. Only for an installation with Redis: without it no
 * worker runs, and the README says so.
 */
export function jobsHealth(deps: { db: Database; clock: Clock; readSchedulers: () => Promise<string[]> }): { name: string; problems(): Promise<string[]> } {
  return {
    name: 'jobs',
    problems: async () => {
      const [runs, schedulers] = await Promise.all([listJobRuns(deps.db), deps.readSchedulers().catch(() => null)]);
      return jobProblems({ expected: JOB_NAMES, runs, schedulers, now: deps.clock() });
    },
  };
}
