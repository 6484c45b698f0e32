// Verifies the audit chain of the configured database, and its anchors (in the database and,
// when HAVEN_AUDIT_ANCHOR_FILE is set, in that file), exiting non-zero at the first problem.
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { ready } from '../crypto';
import { checkAnchors } from '../server/audit/anchors';
import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db';
import { verifyAuditChain } from '../server/audit';

const anchorLine = z.object({ seq: z.number().int().positive(), hash: z.string().regex(/^[0-9a-f]{64}$/) });

function anchorsFromFile(file: string): { seq: number; hash: string }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line, i) => {
      const parsed = anchorLine.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${file} line ${i + 1} is not an anchor`);
      return parsed.data;
    });
}

try {
  const config = loadConfig();
  await ready();
  const database = await openDatabase({ databaseUrl: config.DATABASE_URL, dataDir: config.HAVEN_DATA_DIR });
  try {
    const report = await verifyAuditChain(database.db);
    if (!report.ok) {
      process.stdout.write(
        `Audit chain BROKEN at entry ${report.problem?.seq} (${report.problem?.kind}): ${report.problem?.message}\n${report.checked} entries verified before it.\n`,
      );
      process.exitCode = 2;
    } else {
      process.stdout.write(`Audit chain intact: ${report.checked} entries, head ${report.headSeq} ${report.headHash}\n`);
      const sources: [string, { seq: number; hash: string }[] | undefined][] = [['database anchors', undefined]];
      if (config.HAVEN_AUDIT_ANCHOR_FILE) sources.push([config.HAVEN_AUDIT_ANCHOR_FILE, anchorsFromFile(config.HAVEN_AUDIT_ANCHOR_FILE)]);
      for (const [label, anchors] of sources) {
        const result = await checkAnchors(database.db, anchors);
        if (result.problem) {
          process.stdout.write(`Audit anchors (${label}) BROKEN at entry ${result.problem.seq}: ${result.problem.message}\n`);
          process.exitCode = 2;
        } else {
          process.stdout.write(`Audit anchors (${label}): ${result.checked} checked, all match.\n`);
        }
      }
    }
  } finally {
    await database.close();
  }
} catch (error) {
  process.stderr.write(`audit:verify failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
