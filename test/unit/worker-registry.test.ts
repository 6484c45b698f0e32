import { describe, expect, it } from 'vitest';
import { JOB_NAMES } from '../../workers/jobs';
import { checkHandlers, type JobHandler } from '../../workers/registry';

const handler: JobHandler = () => Promise.resolve({});

describe('worker handler registry', () => {
  it('accepts exactly one handler per job', () => {
    expect([...checkHandlers(JOB_NAMES.map((n) => [n, handler])).keys()]).toEqual(JOB_NAMES);
  });

  it('refuses to start with a job that has no handler', () => {
    expect(() => checkHandlers([])).toThrow(/no handler for "housekeeping.purge-expired"/);
  });

  it('refuses two handlers for one job, and a handler for an unknown job', () => {
    const all = JOB_NAMES.map((n): [string, JobHandler] => [n, handler]);
    expect(() => checkHandlers([...all, ['housekeeping.purge-expired', handler]])).toThrow(/more than one handler/);
    expect(() => checkHandlers([...all, ['made.up', handler]])).toThrow(/unknown job "made.up"/);
  });
});
