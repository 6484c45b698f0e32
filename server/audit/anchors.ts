import { auditEntryHash, keyedAuditEntryHash, signAuditAnchor, verifyAuditAnchor, type AuditAnchor } from '../../crypto';
import type { Config } from '../config';
import type { Database } from '../db';
import type { Clock } from '../shared/clock';
import { anchorFilePath, appendAnchorLine, readAnchorFile, type AnchorFileLine } from './anchor-file';
import { allAnchors, anchorExists, insertAnchor, latestSignedAnchors, type AnchorRow } from './anchors.store';
import { chainEntryOf, newestEntry, type StoredAuditEntry } from './audit.store';
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
  /** The last unkeyed (v1) entry a signed anchor vouches for; null for unsigned anchors. */
  legacyThrough: number | null;
  signature: string | null;
  status: 'signed' | 'unsigned' | 'forged';
  /** 'database', or the anchor file's path. */
  source: string;
  /** The line in the anchor file. */
  line?: number;
}

type AnchorClaim = Omit<JudgedAnchor, 'status' | 'source' | 'line'> & { keyId: string | null };

function judge(keys: AuditKeys, anchor: AnchorClaim): JudgedAnchor['status'] {
  if (anchor.signature === null) return 'unsigned';
  if (anchor.keyId !== keys.keyId || anchor.at === null || anchor.legacyThrough === null) return 'forged';
  const signed: AuditAnchor = { v: 1, seq: anchor.seq, hash: anchor.hash, at: anchor.at, legacyThrough: anchor.legacyThrough };
  return verifyAuditAnchor(signed, anchor.signature, keys.anchorSigning.publicKey) ? 'signed' : 'forged';
}

function judged(keys: AuditKeys, { keyId: _keyId, ...anchor }: AnchorClaim, source: string, line?: number): JudgedAnchor {
  return { ...anchor, status: judge(keys, { ...anchor, keyId: _keyId }), source, ...(line !== undefined && { line }) };
}

export function judgeDatabaseAnchor(keys: AuditKeys, row: AnchorRow): JudgedAnchor {
  const { seq, hash, signature, keyId, legacyThrough } = row;
  return judged(keys, { seq, hash, at: row.anchoredAt.toISOString(), legacyThrough, signature, keyId }, 'database');
}

/** The file's lines as anchors; unreadable lines are left to the caller. */
export function judgeFileLines(keys: AuditKeys, file: string, lines: AnchorFileLine[]): JudgedAnchor[] {
  return lines.flatMap((l): JudgedAnchor[] => {
    if (l.kind === 'unreadable') return [];
    const { line } = l;
    if (l.kind === 'unsigned') return [judged(keys, { seq: l.seq, hash: l.hash, at: l.at, legacyThrough: null, signature: null, keyId: null }, file, line)];
    const { seq, hash, at, legacyThrough, signature, keyId } = l.anchor;
    return [judged(keys, { seq, hash, at, legacyThrough, signature, keyId }, file, line)];
  });
}

/**
 * What the newest anchor signed with this key says: whether there is one, and how far it vouches
 * for unkeyed entries (each anchor carries the figure on). From the database, else — when its
 * anchors are gone — from the anchor file; newest first, stopping at the first whose signature
 * checks, so anchoring every few minutes does not re-check years of anchors.
 */
async function vouchedSoFar(db: Database, keys: AuditKeys, file: string): Promise<{ signed: boolean; legacyThrough: number }> {
  const found = (anchor: JudgedAnchor | undefined) => (anchor?.status === 'signed' ? { signed: true, legacyThrough: anchor.legacyThrough ?? 0 } : null);
  for (const row of await latestSignedAnchors(db, 100)) {
    const vouched = found(judgeDatabaseAnchor(keys, row));
    if (vouched) return vouched;
  }
  for (const line of readAnchorFile(file).lines.reverse()) {
    const vouched = found(judgeFileLines(keys, file, [line])[0]);
    if (vouched) return vouched;
  }
  return { signed: false, legacyThrough: 0 };
}

const keyed = (keys: AuditKeys, row: StoredAuditEntry) => keyedAuditEntryHash(keys.chainKey, row.prevHash, chainEntryOf(row)) === row.hash;
const unkeyed = (row: StoredAuditEntry) => auditEntryHash(row.prevHash, chainEntryOf(row)) === row.hash;

export class AnchorRefusedError extends Error {}

export type AnchorContext = { db: Database; config: Pick<Config, 'HAVEN_AUDIT_ANCHOR_FILE' | 'HAVEN_DATA_DIR'>; clock: Clock };

/**
 * Signs the chain's head (sequence, hash, time) with the installation's anchor key and stores it
 * in the database and, from the process that stored it, in the anchor file. Nothing is written
 * when the head is anchored already (it has not moved, or another process anchored it first).
 *
 * The head must carry this installation's keyed hash: an entry someone appended with the database
 * alone is never signed. The one exception is a server starting on a chain written before it was
 * keyed (an upgrade from format v1): with `vouchForUnkeyed`, when no anchor signed with this key
 * exists in the database or the anchor file, it signs the unkeyed head and vouches for every entry
 * up to it (`legacyThrough`), which every later anchor carries on. No other process does, and
 * none writes to such a chain before a server has (`requireVouchedChain`), so a chain rewritten in
 * the unkeyed format gets vouched for only if every signed anchor is gone from the database and
 * from the starting server's anchor file too (docs/audit-chain.md).
 */
export async function anchorAuditHead(ctx: AnchorContext, options: { vouchForUnkeyed?: boolean } = {}): Promise<AuditAnchor | null> {
  const keys = auditKeysOf(ctx.db);
  const head = await newestEntry(ctx.db);
  // Nothing to do when this head is anchored already. (Only this head's own anchor counts: a row
  // someone added for a later entry must not stop the anchoring of every head before it.)
  if (!head || (await anchorExists(ctx.db, head.seq))) return null;
  const file = anchorFilePath(ctx.config);
  const vouched = await vouchedSoFar(ctx.db, keys, file);
  const headKeyed = keyed(keys, head);
  if (!headKeyed && !(options.vouchForUnkeyed === true && !vouched.signed && unkeyed(head))) {
    throw new AnchorRefusedError(
      `entry ${head.seq}, the head of the audit chain, was not written with this installation's key, so it is not anchored: run \`npm run haven -- verify\``,
    );
  }
  const legacyThrough = headKeyed ? vouched.legacyThrough : head.seq;
  const anchor: AuditAnchor = { v: 1, seq: head.seq, hash: head.hash, at: ctx.clock().toISOString(), legacyThrough };
  const signature = signAuditAnchor(anchor, keys.anchorSigning.privateKey);
  const row = { seq: anchor.seq, hash: anchor.hash, anchoredAt: new Date(anchor.at), legacyThrough, signature, keyId: keys.keyId };
  if (!(await insertAnchor(ctx.db, row))) return null;
  appendAnchorLine(file, { ...anchor, keyId: keys.keyId, signature });
  return anchor;
}

export class UnvouchedChainError extends Error {}

/**
 * For a process other than a server (the command line, the worker), before it writes to the chain:
 * refuses a chain whose head is in the unkeyed format v1 while no anchor signed with this key
 * exists — an upgraded installation no server has started on yet. Its keyed entries would come
 * after entries nothing vouches for, and only a starting server vouches for them.
 */
export async function requireVouchedChain(ctx: AnchorContext): Promise<void> {
  const keys = auditKeysOf(ctx.db);
  const head = await newestEntry(ctx.db);
  if (!head || keyed(keys, head) || !unkeyed(head)) return;
  const file = anchorFilePath(ctx.config);
  if ((await vouchedSoFar(ctx.db, keys, file)).signed) return;
  throw new UnvouchedChainError(
    `the audit chain's entries are in the unkeyed format v1 and no anchor signed with this installation's key is found (in the database or ${file}). ` +
      'If Haven was just upgraded, start the server once: it vouches for the entries written before the upgrade. Otherwise the anchors may have been deleted and the chain rewritten: keep Haven stopped and check the chain against the anchors shipped elsewhere (docs/audit-chain.md).',
  );
}

/** Every anchor in the database, judged. */
export async function databaseAnchors(db: Database, keys: AuditKeys): Promise<JudgedAnchor[]> {
  return (await allAnchors(db)).map((row) => judgeDatabaseAnchor(keys, row));
}
