import { blake2b256, toHex, utf8, verifyTreeHead, type SignedTreeHead } from '../../crypto';
import { forkSubjectId } from '../integrity/key-log-fork';
import type { ReplayedLeaves } from '../keys/key-log-replay';

/**
 * What the key log monitor can find. Forks are two heads, both signed by the key log key, that
 * cannot both be true; the rest is the database disagreeing with itself or with the log key.
 */
export type FindingKind =
  /** The head the monitor kept at an earlier run is not the root of the log's first entries now. */
  | 'kept_head_rewritten'
  /** The log holds fewer entries than the head the monitor kept covers. */
  | 'log_truncated'
  | 'same_size_two_roots'
  /** A head that does not match the entries before it, while a newer head does. */
  | 'head_not_matching_leaves'
  /** Two heads a client reported (from the audit log), confirmed against the log. */
  | 'client_fork_report'
  | 'head_not_signed'
  | 'head_without_leaves'
  | 'leaves_damaged';

export interface Finding {
  kind: FindingKind;
  /** Two heads for a fork; one, or none, for damage. */
  heads: SignedTreeHead[];
  /** One paragraph in plain words, for stdout and the audit entry. */
  says: string;
  /** The same problem has the same id at every run, so the admins are told once. A fork's id is its forkSubjectId, as a client's report of it. */
  id: string;
}

export const describeHead = (head: SignedTreeHead): string => `the head of size ${head.treeSize} (root ${head.rootHash}, signed ${head.timestamp})`;

const plural = (n: number, one: string) => `${n} ${n === 1 ? one : `${one}s`}`;

function fork(kind: FindingKind, heads: [SignedTreeHead, SignedTreeHead], says: string): Finding {
  return { kind, heads, says, id: forkSubjectId(heads) };
}

function damage(kind: FindingKind, heads: SignedTreeHead[], says: string, about: string): Finding {
  return { kind, heads, says, id: `${kind}:${toHex(blake2b256(utf8(`haven/key-log-monitor/v1\u0000${about}`))).slice(0, 32)}` };
}

const headKey = (head: SignedTreeHead) => `${head.treeSize}:${head.rootHash}:${head.signature}`;

export interface KeptHead {
  head: SignedTreeHead;
  verifiedAt: string;
}

/**
 * Judges the log the database holds against the key log key from the trust roots and the head
 * this monitor kept: every head's signature, every head against the entries before it, heads of
 * one size against each other, and the kept head against the log now. `newest` is the head the
 * monitor may keep from now on: the newest signed head, when nothing was found.
 */
export function judgeKeyLog(input: {
  logPublicKey: Uint8Array;
  kept: KeptHead | null;
  /** Every stored head, in order of size. */
  heads: readonly SignedTreeHead[];
  leaves: ReplayedLeaves;
  leafCount: number;
}): { findings: Finding[]; newest: SignedTreeHead | null; signedHeads: number } {
  const { logPublicKey, kept, heads, leaves, leafCount } = input;
  const findings: Finding[] = [];
  const signed: SignedTreeHead[] = [];
  for (const head of heads) {
    if (verifyTreeHead(head, logPublicKey)) signed.push(head);
    else {
      findings.push(
        damage(
          'head_not_signed',
          [head],
          `NOT SIGNED: ${describeHead(head)} is not signed by the trust roots' key log key: it was forged or altered in the database.`,
          headKey(head),
        ),
      );
    }
  }
  if (leaves.problem) findings.push(damage('leaves_damaged', [], `DAMAGED: ${leaves.problem}`, leaves.problem));

  // Roots are known only as far as the entries could be replayed; beyond a damaged entry nothing is judged.
  const rootOf = (size: number): string | undefined => leaves.roots[size];
  const matches = (head: SignedTreeHead) => rootOf(head.treeSize) === head.rootHash;
  const newestMatching = signed.filter(matches).at(-1);

  const inSameSizePair = new Set<SignedTreeHead>();
  for (const [i, a] of signed.entries()) {
    for (const b of signed.slice(i + 1)) {
      if (a.treeSize !== b.treeSize || a.rootHash === b.rootHash) continue;
      inSameSizePair.add(a).add(b);
      findings.push(
        fork(
          'same_size_two_roots',
          [a, b],
          `FORK: two heads of size ${a.treeSize}, both signed by the key log key, with different roots: ${describeHead(a)} and ${describeHead(b)}.`,
        ),
      );
    }
  }

  for (const head of signed) {
    if (inSameSizePair.has(head)) continue;
    if (head.treeSize > leafCount && !leaves.problem) {
      findings.push(
        damage(
          'head_without_leaves',
          [head],
          `INCONSISTENT: ${describeHead(head)} covers ${plural(head.treeSize, 'entry')}, but the database holds only ${leafCount}: entries were deleted.`,
          headKey(head),
        ),
      );
      continue;
    }
    const root = rootOf(head.treeSize);
    if (root === undefined || root === head.rootHash) continue;
    if (newestMatching && newestMatching.treeSize > head.treeSize) {
      findings.push(
        fork(
          'head_not_matching_leaves',
          [head, newestMatching],
          `FORK: ${describeHead(head)} does not match the entries before it, but the newer ${describeHead(newestMatching)} does: both are signed by the key log key and cannot both be true.`,
        ),
      );
    } else {
      findings.push(
        damage(
          'head_not_matching_leaves',
          [head],
          `INCONSISTENT: ${describeHead(head)} is signed by the key log key but does not match the entries before it.`,
          headKey(head),
        ),
      );
    }
  }

  if (kept) findings.push(...judgeKeptHead(kept, signed, leaves, leafCount, newestMatching));
  return { findings, newest: findings.length === 0 ? (signed.at(-1) ?? null) : null, signedHeads: signed.length };
}

/**
 * The check only a monitor with a memory can make: the head it verified at an earlier run against
 * the log now. A server that rewrites history and re-signs every head is consistent with itself,
 * and only this comparison (or a client's) shows it.
 */
function judgeKeptHead(
  { head: kept, verifiedAt }: KeptHead,
  signed: readonly SignedTreeHead[],
  leaves: ReplayedLeaves,
  leafCount: number,
  newestMatching: SignedTreeHead | undefined,
): Finding[] {
  const keptWords = `the head this monitor verified at ${verifiedAt}, ${describeHead(kept)}`;
  const rival = signed.filter((h) => h.treeSize === kept.treeSize && h.rootHash !== kept.rootHash);
  if (rival.length) {
    return rival.map((h) =>
      fork(
        'kept_head_rewritten',
        [kept, h],
        `FORK: ${keptWords}, and ${describeHead(h)} in the database now are both signed by the key log key but cannot both be true: the log was rewritten since.`,
      ),
    );
  }
  const current = signed.at(-1);
  if (kept.treeSize > leafCount && !leaves.problem) {
    const says = `FORK: ${keptWords}, covers ${plural(kept.treeSize, 'entry')}, but the database now holds ${leafCount}${current ? ` and its newest head is ${describeHead(current)}` : ' and no head'}: the log was truncated or rewritten since.`;
    return [current ? fork('log_truncated', [kept, current], says) : damage('log_truncated', [kept], says, headKey(kept))];
  }
  const root = leaves.roots[kept.treeSize];
  if (root === undefined || root === kept.rootHash) return [];
  const other = newestMatching && newestMatching.treeSize >= kept.treeSize ? newestMatching : current;
  const says = `FORK: ${keptWords}, is not the root of the first ${plural(kept.treeSize, 'entry')} the database holds now${other ? `, which ${describeHead(other)} describes; both are signed by the key log key and cannot both be true` : ''}: the log was rewritten since.`;
  return [other ? fork('kept_head_rewritten', [kept, other], says) : damage('kept_head_rewritten', [kept], says, headKey(kept))];
}

/** A key-log fork report a client sent (the audit entry of integrity.report_received), as the monitor judged it. */
export interface JudgedForkReport {
  seq: number;
  at: Date;
  /** Both heads signed by the trust roots' key, and they cannot both be true given the log. */
  confirmed: boolean;
  says: string;
  finding?: Finding;
}

/**
 * The server checked each report before it kept it, but the monitor does not trust the server:
 * it checks the heads again with the trust roots' key and the entries it replayed itself.
 */
export function judgeForkReport(
  report: { seq: number; at: Date; heads: [SignedTreeHead, SignedTreeHead] | null },
  logPublicKey: Uint8Array,
  leaves: ReplayedLeaves,
): JudgedForkReport {
  const intro = `Fork report from a client (audit entry ${report.seq}, received ${report.at.toISOString()})`;
  const { heads } = report;
  if (!heads) return { seq: report.seq, at: report.at, confirmed: false, says: `${intro}: its heads are not readable, so it shows nothing.` };
  const [a, b] = heads;
  if (!heads.every((h) => verifyTreeHead(h, logPublicKey))) {
    return {
      seq: report.seq,
      at: report.at,
      confirmed: false,
      says: `${intro}: its heads are not both signed by the trust roots' key log key, so it shows nothing.`,
    };
  }
  const offLog = (h: SignedTreeHead) => leaves.roots[h.treeSize] !== undefined && leaves.roots[h.treeSize] !== h.rootHash;
  if ((a.treeSize === b.treeSize && a.rootHash !== b.rootHash) || offLog(a) || offLog(b)) {
    const says = `FORK reported by a client (audit entry ${report.seq}, received ${report.at.toISOString()}): ${describeHead(a)} and ${describeHead(b)} are both signed by the key log key and cannot both be true.`;
    return { seq: report.seq, at: report.at, confirmed: true, says, finding: fork('client_fork_report', heads, says) };
  }
  return {
    seq: report.seq,
    at: report.at,
    confirmed: false,
    says: `${intro}: ${describeHead(a)} and ${describeHead(b)} both match the log the database holds; the monitor cannot confirm it.`,
  };
}
