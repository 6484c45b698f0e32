// `npm run haven -- <command>`: the admin command line (server/cli/cli.ts; `--help` lists the commands).
import { runCli } from './cli';
import { EXIT } from './io';

try {
  process.exitCode = await runCli(process.argv.slice(2));
} catch (error) {
  // Never a stack trace: one line, then the exit status for a failure.
  process.stderr.write(`haven: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = EXIT.failed;
}
