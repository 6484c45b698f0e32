import { z } from 'zod';
import { fromBase64Url } from '../../crypto';
import { signedTreeHead } from '../integrity/integrity.schema';
import { keyLogPublicKey } from '../keys/key-log-key';
import { replayLeaves, signedHeadOf } from '../keys/key-log-replay';
import { count, plural } from '../cli/io';
import type { ServiceContext } from '../shared/context';
import { readTrustRootsFile, trustRootsPath } from '../trust-roots';
import { tellSystemAdmins } from './alerts';
import { describeHead, judgeForkReport, judgeKeyLog, type Finding } from './findings';
import { forkReportsAfter, readWholeKeyLog } from './monitor.store';
import { readMonitorState, writeMonitorState, type MonitorState } from './state-file';

/** Something in the monitor's own setup (trust roots, state file) that stops it: one line, exit status 1. */
export class MonitorSetupError extends Error {}

export interface MonitorOutput {
  out(...lines: string[]): void;
  note(line: string): void;
}

const reportedHeads = z.tuple([signedTreeHead, signedTreeHead]);

/** The key log's public key from the trust roots file, never from the database; it must be the key this server signs with. */
function trustedLogKey(ctx: ServiceContext): { text: string; bytes: Uint8Array } {
  const file = trustRootsPath(ctx.config);
  let roots;
  try {
    roots = readTrustRootsFile(file);
  } catch (error) {
    throw new MonitorSetupError(error instanceof Error ? error.message : String(error));
  }
  if (!roots) {
    throw new MonitorSetupError(
      `there is no trust roots file (${file}): the monitor takes the key log's key from it, never from the database; copy it from the server, or run \`npm run haven -- trust init\` there`,
    );
  }
  const configured = keyLogPublicKey(ctx.config);
  if (roots.keyLogPublicKey !== configured) {
    throw new MonitorSetupError(
      `${file} names key log key ${roots.keyLogPublicKey}, but this installation is configured with ${configured}: the monitor checks against the trust roots the clients were built with, so configure the key this installation was set up with`,
    );
  }
  return { text: roots.keyLogPublicKey, bytes: fromBase64Url(roots.keyLogPublicKey, 'keyLogPublicKey') };
}

/**
 * One run of `npm run haven -- key-log-monitor` (docs/key-log.md, "Forks"): judges the whole key
 * log with the trust roots' key against the head kept in the state file, reads the fork reports
 * clients sent since the last run, tells the system admins once about each new problem, and keeps
 * the newest head only when everything held. True when everything held.
 */
export async function runKeyLogMonitor(ctx: ServiceContext, stateFile: string, io: MonitorOutput): Promise<boolean> {
  const logKey = trustedLogKey(ctx);
  let previous: MonitorState | null;
  try {
    previous = readMonitorState(stateFile, logKey.text, logKey.bytes);
  } catch (error) {
    throw new MonitorSetupError(error instanceof Error ? error.message : String(error));
  }
  const kept = previous?.head && previous.verifiedAt ? { head: previous.head, verifiedAt: previous.verifiedAt } : null;

  const log = await readWholeKeyLog(ctx.db);
  const leaves = replayLeaves(log.leaves);
  const judged = judgeKeyLog({ logPublicKey: logKey.bytes, kept, heads: log.heads.map(signedHeadOf), leaves, leafCount: log.leaves.length });

  const reportRows = await forkReportsAfter(ctx.db, previous?.reportsReadThrough ?? 0);
  const reports = reportRows.map((row) => {
    const heads = reportedHeads.safeParse(row.detail.heads);
    return judgeForkReport({ seq: row.seq, at: row.at, heads: heads.success ? heads.data : null }, logKey.bytes, leaves);
  });

  const findings = dedupe([...judged.findings, ...reports.flatMap((r) => (r.finding ? [r.finding] : []))]);
  const alreadyReported = new Set(previous?.reported.map((r) => r.id));
  const fresh = findings.filter((f) => !alreadyReported.has(f.id));
  const now = ctx.clock().toISOString();

  io.out(...findings.map((f) => (alreadyReported.has(f.id) ? `${f.says} (Reported to the system admins at an earlier run.)` : f.says)));
  io.out(
    `Fork reports from clients since the last run: ${reports.length ? count(reports.length) : 'none'}.`,
    ...reports.filter((r) => !r.confirmed).map((r) => `  ${r.says}`),
  );

  let told: Finding[] = [];
  if (fresh.length) {
    try {
      const admins = await tellSystemAdmins(ctx, fresh);
      told = fresh;
      const kinds = [...new Set(fresh.map((f) => (f.heads.length === 2 ? 'key_log.fork_detected' : 'key_log.damage_detected')))].join(', ');
      io.out(`Told ${plural(admins, 'system admin')} about ${plural(fresh.length, 'new problem')} (a notice each; audit ${kinds}).`);
    } catch (error) {
      // With read-only database access the findings still stand, on stdout and in the exit status; they are told at a later run.
      io.note(
        `haven: key-log-monitor: could not tell the system admins (${error instanceof Error ? error.message : String(error)}); they will be told at the next run`,
      );
    }
  }

  const ok = findings.length === 0;
  const next: MonitorState = {
    v: 1,
    keyLogPublicKey: logKey.text,
    head: ok ? judged.newest : (previous?.head ?? null),
    verifiedAt: ok ? (judged.newest ? now : null) : (previous?.verifiedAt ?? null),
    reportsReadThrough: Math.max(previous?.reportsReadThrough ?? 0, ...reportRows.map((r) => r.seq)),
    reported: [...(previous?.reported ?? []), ...told.map((f) => ({ id: f.id, at: now }))],
  };
  writeMonitorState(stateFile, next);

  if (ok) {
    io.out(
      `Key log consistent: ${plural(log.leaves.length, 'entry', 'entries')}, ${plural(judged.signedHeads, 'signed head')}, each signed by the trust roots' key log key and matching the entries before it.`,
      kept ? `It extends ${describeHead(kept.head)}, verified at ${kept.verifiedAt}.` : 'No head was kept before: this run is the starting point.',
      judged.newest ? `Newest head verified: ${describeHead(judged.newest)}; kept in ${stateFile}.` : `The log is empty; ${stateFile} written.`,
    );
  } else {
    io.out(
      `${plural(findings.length, 'problem')} found in the key log.`,
      `The kept head stays ${next.head ? describeHead(next.head) : 'unset'} in ${stateFile} until this is resolved (docs/key-log.md, "Forks").`,
    );
  }
  return ok;
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => !seen.has(f.id) && seen.add(f.id));
}
