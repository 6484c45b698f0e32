import type { Database } from '../db';
import { readAnchorFile } from './anchor-file';
import { databaseAnchors, judgeFileLines, type JudgedAnchor } from './anchors';
import { auditKeysOf } from './audit-keys';
import { describeAnchor, evidenceFrom, walkChain, type ChainProblemKind, type ChainReport } from './verify-chain';

export type AnchorProblemKind = 'anchor_forged' | 'anchor_deleted' | 'anchor_unreadable';

export interface AuditProblem {
  seq: number;
  kind: ChainProblemKind | AnchorProblemKind;
  message: string;
}

/** The chain checked against every anchor, in the database and in the anchor file. */
export interface AuditVerification extends Omit<ChainReport, 'problem'> {
  problem?: AuditProblem;
  anchors: {
    /** The anchor key's public key: give it to whoever checks the anchor file elsewhere. */
    keyId: string;
    /** The newest anchor whose signature checks, wherever it was found. */
    latest: { seq: number; at: string; source: string } | null;
    /** Entries written after the latest signed anchor (each checked against the key). */
    sinceLatest: number;
    database: { signed: number; unsigned: number };
    file: { path: string | null; exists: boolean; signed: number; unsigned: number };
    /** Anchors that are not what they claim: forged, deleted from the database, unreadable. */
    problems: AuditProblem[];
  };
}

const count = (anchors: JudgedAnchor[], status: JudgedAnchor['status']) => anchors.filter((a) => a.status === status).length;

function anchorProblems(inDatabase: JudgedAnchor[], inFile: JudgedAnchor[], unreadableLines: number[], file: string | null): AuditProblem[] {
  const problems: AuditProblem[] = [];
  for (const anchor of [...inDatabase, ...inFile]) {
    if (anchor.status !== 'forged') continue;
    const where = anchor.source === 'database' ? 'in the database' : `in ${anchor.source}, line ${anchor.line}`;
    problems.push({
      seq: anchor.seq,
      kind: 'anchor_forged',
      message: `The anchor of entry ${anchor.seq} ${where} is not signed with this installation's anchor key: it was forged (it counts for nothing).`,
    });
  }
  // Each process stores an anchor in the database first and only then appends it to its file, so
  // every signed anchor in a file is in the database — unless someone deleted it there.
  const stored = new Set(inDatabase.filter((a) => a.status === 'signed').map((a) => `${a.seq} ${a.signature}`));
  for (const anchor of inFile) {
    if (anchor.status === 'signed' && !stored.has(`${anchor.seq} ${anchor.signature}`)) {
      problems.push({
        seq: anchor.seq,
        kind: 'anchor_deleted',
        message: `The signed anchor of entry ${anchor.seq} (${anchor.at}) in ${anchor.source} is not in the database: anchors were deleted from the database.`,
      });
    }
  }
  for (const line of unreadableLines) {
    problems.push({ seq: 0, kind: 'anchor_unreadable', message: `Line ${line} of ${file} is not an anchor: the file was altered.` });
  }
  return problems;
}

/**
 * Verifies the audit trail against a rewritten tail: every entry's keyed hash, every anchor's
 * signature, every anchor against the entry it anchors, the head against the latest anchor
 * (truncation), and the anchor file against the database (anchors deleted there). `anchorFile` is
 * the file this process appends to (docs/audit-chain.md); null checks the database alone.
 */
export async function verifyAuditTrail(db: Database, anchorFile: string | null): Promise<AuditVerification> {
  const keys = auditKeysOf(db);
  const inDatabase = await databaseAnchors(db, keys);
  const fileRead = anchorFile ? readAnchorFile(anchorFile) : { exists: false, lines: [] };
  const inFile = anchorFile ? judgeFileLines(keys, anchorFile, fileRead.lines) : [];
  const unreadable = fileRead.lines.flatMap((l) => (l.kind === 'unreadable' ? [l.line] : []));
  const all = [...inDatabase, ...inFile];

  const chain = await walkChain(db, evidenceFrom(keys, all));
  const latest = all.filter((a) => a.status === 'signed').reduce<JudgedAnchor | undefined>((best, a) => (!best || a.seq > best.seq ? a : best), undefined);
  let problem: AuditProblem | undefined = chain.problem;
  if (chain.ok) {
    // Anchored entries that are gone: the newest were deleted.
    const rank = (a: JudgedAnchor) => (a.status === 'signed' ? 0 : 2) + (a.source === 'database' ? 0 : 1);
    const beyond = all.filter((a) => a.status !== 'forged' && a.seq > chain.headSeq).sort((a, b) => b.seq - a.seq || rank(a) - rank(b))[0];
    if (beyond) {
      const first = chain.headSeq + 1;
      const gone = first === beyond.seq ? `Entry ${first} is gone` : `Entries ${first} to ${beyond.seq} are gone`;
      problem = {
        seq: first,
        kind: 'truncated',
        message: `${gone}, but ${describeAnchor(beyond)} shows the chain reached entry ${beyond.seq}: the log was truncated.`,
      };
    }
  }
  const problems = anchorProblems(inDatabase, inFile, unreadable, anchorFile);
  problem ??= problems[0];
  return {
    ...chain,
    ok: problem === undefined,
    ...(problem && { problem }),
    anchors: {
      keyId: keys.keyId,
      latest: latest ? { seq: latest.seq, at: latest.at ?? '', source: latest.source } : null,
      sinceLatest: latest && chain.ok ? Math.max(0, chain.headSeq - latest.seq) : 0,
      database: { signed: count(inDatabase, 'signed'), unsigned: count(inDatabase, 'unsigned') },
      file: { path: anchorFile, exists: fileRead.exists, signed: count(inFile, 'signed'), unsigned: count(inFile, 'unsigned') },
      problems,
    },
  };
}
