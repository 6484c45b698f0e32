import { JOB_NAMES, type JobName } from './jobs';

export type JobHandler = (payload: unknown) => Promise<Record<string, unknown>>;

/**
 * Checks that every job name has exactly one handler and no handler is for an unknown job;
 * a worker with a gap would silently drop work, so it must not start.
 */
export function checkHandlers(handlers: [string, JobHandler][]): Map<JobName, JobHandler> {
  const problems: string[] = [];
  const byName = new Map<JobName, JobHandler>();
  for (const [name, handler] of handlers) {
    if (!(JOB_NAMES as string[]).includes(name)) problems.push(`handler for unknown job "${name}"`);
    else if (byName.has(name as JobName)) problems.push(`more than one handler for "${name}"`);
    else byName.set(name as JobName, handler);
  }
  for (const name of JOB_NAMES) if (!byName.has(name)) problems.push(`no handler for "${name}"`);
  if (problems.length) throw new Error(`workers cannot start: ${problems.join('; ')}`);
  return byName;
}
