// What the background workers last did, and whether that is as scheduled (docs/metrics.md).
export { countRedeclared, listJobRuns, recordJobFinished, recordSchedule, type JobRunRow } from './job-runs.store';
export { jobProblems, type JobRunFacts } from './job-health';
export { jobsHealth } from './jobs-health-check';
