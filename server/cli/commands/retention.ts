import { z } from 'zod';
import { defineCommand } from '../command';
import { EXIT, count, plural } from '../io';

export const retention = defineCommand({
  name: 'retention',
  summary: 'Destroy the records that are due (--dry-run lists them only)',
  description: [
    'Destroys everything about each child whose records are due under the retention schedule (19th',
    'birthday by default) and not under a legal hold, leaving a tombstone and an audit entry for each:',
    'the same run as the daily worker and the admin screen. It is resumable: if it stops, run it again.',
    'With --dry-run nothing is destroyed; the children who would be are listed (ids) on stdout.',
    'Progress goes to stderr.',
  ],
  positionals: [],
  options: { 'dry-run': { type: 'boolean', description: 'list what is due; destroy nothing' } },
  input: z.strictObject({ 'dry-run': z.boolean().default(false) }).transform((o) => ({ dryRun: o['dry-run'] })),
  examples: ['retention --dry-run', 'retention'],
  async run(ctx, { dryRun }, io) {
    const verb = dryRun ? 'Listed' : 'Destroyed';
    const { runRetention } = await import('../../retention/retention.service');
    const result = await runRetention(ctx, {
      dryRun,
      triggeredBy: null,
      via: 'cli',
      onProgress: (done, total) => io.progress(`${verb} ${count(done)} of ~${plural(total, 'child', 'children')}…`),
    });
    io.endProgress();
    if (dryRun) {
      io.out(...result.children.map((c) => c.childId));
      io.note(`Dry run ${result.runId}: ${plural(result.children.length, 'child is', 'children are')} due for destruction. Nothing was destroyed.`);
    } else if (result.children.length === 0) {
      io.note(`Retention run ${result.runId}: nothing was due for destruction.`);
    } else {
      io.note(
        `Retention run ${result.runId}: destroyed the records of ${plural(result.children.length, 'child', 'children')}; each left a tombstone and an audit entry.`,
      );
    }
    return EXIT.ok;
  },
});
