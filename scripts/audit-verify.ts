// `npm run audit:verify`: the checks of `npm run haven -- verify` (audit chain, its anchors in the
// database and in HAVEN_AUDIT_ANCHOR_FILE, the key log), exiting 2 at the first problem as it always has.
import { withServiceContext } from '../server/cli/context';
import { CliIo } from '../server/cli/io';
import { verifyInstallation } from '../server/cli/verify-installation';

try {
  if (!(await withServiceContext((ctx) => verifyInstallation(ctx, new CliIo())))) process.exitCode = 2;
} catch (error) {
  process.stderr.write(`audit:verify failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
