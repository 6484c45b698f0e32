// Verifies the audit chain of the configured database and exits non-zero at the first break.
import { ready } from '../crypto';
import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db';
import { verifyAuditChain } from '../server/audit';

try {
  const config = loadConfig();
  await ready();
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.HAVEN_DATA_DIR });
  try {
    const report = await verifyAuditChain(database.db);
    if (report.ok) {
      process.stdout.write(`Audit chain intact: ${report.checked} entries, head ${report.headSeq} ${report.headHash}\n`);
    } else {
      process.stdout.write(
        `Audit chain BROKEN at entry ${report.problem?.seq} (${report.problem?.kind}): ${report.problem?.message}\n${report.checked} entries verified before it.\n`,
      );
      process.exitCode = 2;
    }
  } finally {
    await database.close();
  }
} catch (error) {
  process.stderr.write(`audit:verify failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
