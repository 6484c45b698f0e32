// `npm run audit:verify`: the checks of `npm run haven -- verify` (the keyed audit chain, its signed
// anchors in the database and in the anchor file, its tail against the latest anchor, the key log),
// exiting 2 at a problem as it always has.
import { withServiceContext } from '../server/cli/context';
import { CliIo } from '../server/cli/io';
import { verifyInstallation } from '../server/cli/verify-installation';

try {
  if (!(await withServiceContext((ctx) => verifyInstallation(ctx, new CliIo())))) process.exitCode = 2;
} catch (error) {
  process.stderr.write(`audit:verify failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
