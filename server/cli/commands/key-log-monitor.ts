import { z } from 'zod';
import { defineCommand } from '../command';
import { EXIT } from '../io';

export const keyLogMonitor = defineCommand({
  name: 'key-log-monitor',
  summary: 'Check the key log for forks against the trust roots and the head it kept (run it from cron)',
  description: [
    'Checks every signed head of the key log with the key log key from the trust roots file (never the',
    "database's word), recomputes the roots of the stored entries, and compares the head it verified at its",
    'last run with the log now: a log rewritten or truncated since, two heads of one size with different',
    'roots, a head that does not match the entries before it, or a head the key did not sign. It lists the',
    'fork reports clients sent since the last run, tells every system admin once about each new problem',
    '(a notice, and an audit entry key_log.fork_detected or key_log.damage_detected with the heads), and',
    'keeps its state outside the database (--state, default HAVEN_DATA_DIR/key-log-monitor.json). The newest',
    'head is kept only when everything held. Exit status 3 when anything was found (docs/key-log.md, "Forks").',
  ],
  positionals: [],
  options: {
    state: { type: 'string', value: '<file>', description: 'the state file (default HAVEN_DATA_DIR/key-log-monitor.json)' },
  },
  input: z.strictObject({ state: z.string().min(1, { message: 'give a file name' }).optional() }),
  examples: ['key-log-monitor', 'key-log-monitor --state /var/lib/haven-monitor/state.json'],
  async run(ctx, input, io) {
    const { MonitorSetupError, monitorStatePath, runKeyLogMonitor } = await import('../../key-log-monitor');
    try {
      return (await runKeyLogMonitor(ctx, monitorStatePath(ctx.config, input.state), io)) ? EXIT.ok : EXIT.integrity;
    } catch (error) {
      if (!(error instanceof MonitorSetupError)) throw error;
      io.note(`haven: key-log-monitor: ${error.message}`);
      return EXIT.failed;
    }
  },
});
