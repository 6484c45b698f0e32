import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { appendAuditEntries, verifyAuditChain } from '../audit';
import { checkAnchors } from '../audit/anchors';
import { verifyKeyLog } from '../keys/key-log.verify';
import type { ServiceContext } from '../shared/context';
import { count, type CliIo } from './io';

const anchorLine = z.object({ seq: z.number().int().positive(), hash: z.string().regex(/^[0-9a-f]{64}$/) });

function anchorsFromFile(file: string): { seq: number; hash: string }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line, i) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = null;
      }
      const anchor = anchorLine.safeParse(parsed);
      if (!anchor.success) throw new Error(`${file} line ${i + 1} is not an anchor`);
      return anchor.data;
    });
}

/**
 * Verifies the audit chain, its anchors (in the database and, with HAVEN_AUDIT_ANCHOR_FILE, in
 * that file) and the key log, printing one line per check; true when everything holds. The
 * verification itself is audited, as it is from the admin screen. Also behind `npm run audit:verify`.
 */
export async function verifyInstallation(ctx: ServiceContext, io: CliIo): Promise<boolean> {
  const chain = await verifyAuditChain(ctx.db);
  let ok = chain.ok;
  if (!chain.ok) {
    io.out(
      `Audit chain BROKEN at entry ${chain.problem?.seq} (${chain.problem?.kind}): ${chain.problem?.message}`,
      `${count(chain.checked)} entries verified before it.`,
    );
  } else {
    io.out(`Audit chain intact: ${count(chain.checked)} entries, head ${chain.headSeq} ${chain.headHash}`);
    const anchorFile = ctx.config.HAVEN_AUDIT_ANCHOR_FILE;
    const sources: [string, { seq: number; hash: string }[] | undefined][] = [['database anchors', undefined]];
    if (anchorFile) sources.push([anchorFile, anchorsFromFile(anchorFile)]);
    for (const [label, anchors] of sources) {
      const result = await checkAnchors(ctx.db, anchors);
      if (result.problem) {
        io.out(`Audit anchors (${label}) BROKEN at entry ${result.problem.seq}: ${result.problem.message}`);
        ok = false;
      } else {
        io.out(`Audit anchors (${label}): ${count(result.checked)} checked, all match.`);
      }
    }
  }
  const keyLog = await verifyKeyLog(ctx);
  if (keyLog.ok) io.out(`Key log intact: ${count(keyLog.leaves)} entries, ${count(keyLog.heads)} signed heads.`);
  else io.out(`Key log BROKEN: ${keyLog.problem}`);
  ok &&= keyLog.ok;
  await appendAuditEntries(
    ctx.db,
    [
      {
        actorId: null,
        agencyId: null,
        action: 'audit.chain_verified',
        detail: { ok, checked: chain.checked, problem: chain.problem ?? null, keyLog: { ok: keyLog.ok, leaves: keyLog.leaves }, via: 'cli' },
      },
    ],
    ctx.clock(),
  );
  return ok;
}
