import { auditEntryHash, keyedAuditEntryHash, signAuditAnchor, verifyAuditAnchor, type AuditAnchor } from '../../crypto';
import type { Config } from '../config';
import type { Database } from '../db';
import type { Clock } from '../shared/clock';
import { anchorFilePath, appendAnchorLine, readAnchorFile, type AnchorFileLine } from './anchor-file';
import { allAnchors, insertAnchor, latestAnchor, latestSignedAnchors, type AnchorRow } from './anchors.store';
import { chainEntryOf, newestEntry } from './audit.store';
import { auditKeysOf, type AuditKeys } from './audit-keys';

/**
 * One anchor, from the database or the anchor file, judged against the installation's key:
 * `signed` (its signature checks: evidence), `unsigned` (written before anchors were signed: it is
 * compared with the chain but vouches for nothing), or `forged` (a signature that does not check).
 */
export interface JudgedAnchor {
  seq: number;
  hash: string;
  at: string | null;
  signature: string | null;
  status: 'signed' | 'unsigned' | 'forged';
  /** 'database', or the anchor file's path. */
  source: string;
  /** The line in the anchor file. */
  line?: number;
}

function judge(
  keys: AuditKeys,
  anchor: { seq: number; hash: string; at: string | null; signature: string | null; keyId: string | null },
): JudgedAnchor['status'] {
  if (anchor.signature === null) return 'unsigned';
  if (anchor.keyId !== keys.keyId || anchor.at === null) return 'forged';
  const signed: AuditAnchor = { v: 1, seq: anchor.seq, hash: anchor.hash, at: anchor.at };
  return verifyAuditAnchor(signed, anchor.signature, keys.anchorSigning.publicKey) ? 'signed' : 'forged';
}

export function judgeDatabaseAnchor(keys: AuditKeys, row: AnchorRow): JudgedAnchor {
  const anchor = { seq: row.seq, hash: row.hash, at: row.anchoredAt.toISOString(), signature: row.signature, keyId: row.keyId };
  return { ...anchor, status: judge(keys, anchor), source: 'database' };
}

/** The file's lines as anchors; unreadable lines are left to the caller. */
export function judgeFileLines(keys: AuditKeys, file: string, lines: AnchorFileLine[]): JudgedAnchor[] {
  return lines.flatMap((l): JudgedAnchor[] => {
    if (l.kind === 'unreadable') return [];
    const anchor =
      l.kind === 'signed'
        ? { seq: l.anchor.seq, hash: l.anchor.hash, at: l.anchor.at, signature: l.anchor.signature, keyId: l.anchor.keyId }
        : { seq: l.seq, hash: l.hash, at: l.at, signature: null, keyId: null };
    return [{ ...anchor, status: judge(keys, anchor), source: file, line: l.line }];
  });
}

/** Whether any anchor, in the database or the anchor file, carries this key's valid signature. */
async function anySignedAnchor(db: Database, keys: AuditKeys, file: string): Promise<boolean> {
  if ((await latestSignedAnchors(db, 100)).some((row) => judgeDatabaseAnchor(keys, row).status === 'signed')) return true;
  return judgeFileLines(keys, file, readAnchorFile(file).lines).some((a) => a.status === 'signed');
}

export class AnchorRefusedError extends Error {}

export type AnchorContext = { db: Database; config: Pick<Config, 'HAVEN_AUDIT_ANCHOR_FILE' | 'HAVEN_DATA_DIR'>; clock: Clock };

/**
 * Signs the chain's head (sequence, hash, time) with the installation's anchor key and stores it
 * in the database and, from the process that stored it, in the anchor file. Nothing is written
 * when the head has not moved since the newest anchor, or when another process anchored it first.
 *
 * The head must carry this installation's keyed hash: an entry someone appended with the database
 * alone is never signed. The one exception is the first anchor after an upgrade, which vouches for
 * the entries written before the chain was keyed (format v1) — allowed only while no anchor signed
 * with this key exists anywhere, so deleting anchors later cannot get a rewritten chain signed.
 */
export async function anchorAuditHead(ctx: AnchorContext): Promise<AuditAnchor | null> {
  const keys = auditKeysOf(ctx.db);
  const head = await newestEntry(ctx.db);
  if (!head) return null;
  const last = await latestAnchor(ctx.db);
  if (last && last.seq >= head.seq) return null;
  const file = anchorFilePath(ctx.config);
  const entry = chainEntryOf(head);
  if (keyedAuditEntryHash(keys.chainKey, head.prevHash, entry) !== head.hash) {
    const unkeyed = auditEntryHash(head.prevHash, entry) === head.hash;
    if (!unkeyed || (await anySignedAnchor(ctx.db, keys, file))) {
      throw new AnchorRefusedError(
        `entry ${head.seq}, the head of the audit chain, was not written with this installation's key, so it is not anchored: run \`npm run haven -- verify\``,
      );
    }
  }
  const anchor: AuditAnchor = { v: 1, seq: head.seq, hash: head.hash, at: ctx.clock().toISOString() };
  const signature = signAuditAnchor(anchor, keys.anchorSigning.privateKey);
  if (!(await insertAnchor(ctx.db, { seq: anchor.seq, hash: anchor.hash, anchoredAt: new Date(anchor.at), signature, keyId: keys.keyId }))) return null;
  appendAnchorLine(file, { ...anchor, keyId: keys.keyId, signature });
  return anchor;
}

/** Every anchor in the database, judged. */
export async function databaseAnchors(db: Database, keys: AuditKeys): Promise<JudgedAnchor[]> {
  return (await allAnchors(db)).map((row) => judgeDatabaseAnchor(keys, row));
}
