import { Redis } from 'ioredis';
import { jobsHealth } from '../jobs';
import { queueDepths } from '../metrics/queue-depths';
import { anchorFilePath, appendAuditEntries, verifyAuditTrail, type AuditVerification } from '../audit';
import { verifyKeyLog } from '../keys/key-log.verify';
import type { ServiceContext } from '../shared/context';
import { count, type CliIo } from './io';

function chainLines(report: AuditVerification): string[] {
  const { problem } = report;
  if (problem?.kind === 'truncated') return [`Audit chain TRUNCATED: ${problem.message}`];
  if (problem && !problem.kind.startsWith('anchor_')) {
    return [`Audit chain BROKEN at entry ${problem.seq} (${problem.kind}): ${problem.message}`, `${count(report.checked)} entries verified before it.`];
  }
  const legacy = report.legacy ? ` (${count(report.legacy)} in the unkeyed format v1, vouched for by a signed anchor)` : '';
  return [`Audit chain intact: ${count(report.checked)} entries${legacy}, head ${report.headSeq} ${report.headHash}`];
}

function anchorLines(report: AuditVerification): string[] {
  const { anchors } = report;
  const tally = (signed: number, unsigned: number) =>
    `${count(signed)} signed${unsigned ? `, ${count(unsigned)} unsigned from before anchors were signed` : ''}`;
  const lines = [
    `Audit anchors (database): ${tally(anchors.database.signed, anchors.database.unsigned)}.`,
    anchors.file.exists
      ? `Audit anchors (${anchors.file.path}): ${tally(anchors.file.signed, anchors.file.unsigned)}.`
      : `Audit anchors (${anchors.file.path}): no file yet.`,
    ...anchors.problems.map((p) => `Audit anchor PROBLEM (${p.kind}): ${p.message}`),
  ];
  if (!anchors.latest) lines.push('No signed anchor yet: the server writes one at start, every few minutes and at shutdown.');
  else if (report.ok) {
    lines.push(
      `Latest signed anchor: entry ${anchors.latest.seq} at ${anchors.latest.at}; ${count(anchors.sinceLatest)} entries written since, each keyed with this installation's key.`,
    );
  }
  return [...lines, `Installation key: anchor key ${anchors.keyId}.`];
}

/**
 * Verifies the audit chain (every entry's keyed hash), its anchors (in the database and in the
 * anchor file: signatures, each against its entry, the head against the latest — truncation) and
 * the key log, printing one line per check; true when everything holds. The verification itself
 * is audited, as it is from the admin screen. Also behind `npm run audit:verify`.
 */
export async function verifyInstallation(ctx: ServiceContext, io: CliIo): Promise<boolean> {
  const report = await verifyAuditTrail(ctx.db, anchorFilePath(ctx.config));
  io.out(...chainLines(report), ...anchorLines(report));
  let ok = report.ok;
  const keyLog = await verifyKeyLog(ctx);
  if (keyLog.ok) io.out(`Key log intact: ${count(keyLog.leaves)} entries, ${count(keyLog.heads)} signed heads.`);
  else io.out(`Key log BROKEN: ${keyLog.problem}`);
  ok &&= keyLog.ok;
  // Jobs that have stopped are reported, not counted as an integrity failure: nothing was altered.
  for (const line of await jobLines(ctx)) io.out(line);
  await appendAuditEntries(
    ctx.db,
    [
      {
        actorId: null,
        agencyId: null,
        action: 'audit.chain_verified',
        detail: { ok, checked: report.checked, problem: report.problem ?? null, keyLog: { ok: keyLog.ok, leaves: keyLog.leaves }, via: 'cli' },
      },
    ],
    ctx.clock(),
  );
  return ok;
}

/** With Redis configured, whether the workers' schedules are there and running (as /api/health says). */
async function jobLines(ctx: ServiceContext): Promise<string[]> {
  const url = ctx.config.REDIS_URL;
  if (!url) return ['Background jobs: not checked (no REDIS_URL, so no worker runs).'];
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => null });
  redis.on('error', () => undefined);
  const queues = queueDepths(redis, ctx.config.HAVEN_QUEUE_PREFIX);
  try {
    const problems = await jobsHealth({ db: ctx.db, clock: ctx.clock, readSchedulers: () => queues.schedulers(2_000) }).problems();
    return problems.length ? problems.map((p) => `Background jobs DEGRADED: ${p}.`) : ['Background jobs running as scheduled.'];
  } finally {
    await queues.close();
    redis.disconnect();
  }
}
