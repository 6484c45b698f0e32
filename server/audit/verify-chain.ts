import { AUDIT_GENESIS_HASH, auditEntryHash, keyedAuditEntryHash } from '../../crypto';
import type { Database } from '../db';
import { databaseAnchors, type JudgedAnchor } from './anchors';
import { chainEntryOf, readChain, type StoredAuditEntry } from './audit.store';
import { auditKeysOf, type AuditKeys } from './audit-keys';

export type ChainProblemKind = 'modified' | 'inserted' | 'deleted' | 'forged' | 'rewritten' | 'truncated';

export interface ChainReport {
  ok: boolean;
  checked: number;
  headSeq: number;
  headHash: string;
  /** Of the entries checked, those in the unkeyed format v1 (written before the chain was keyed), vouched for by a signed anchor. */
  legacy: number;
  problem?: { seq: number; kind: ChainProblemKind; message: string };
}

/** What the walk checks entries against besides the chain itself. */
export interface ChainEvidence {
  keys: AuditKeys;
  /** Signed and unsigned anchors (never forged ones), by the entry they anchor. */
  anchorsAt: Map<number, JudgedAnchor[]>;
  /** Entries in the unkeyed format v1 are accepted up to here: as far as valid signed anchors vouch for them. */
  legacyThrough: number;
}

/** How an anchor is named in a report. */
export function describeAnchor(anchor: JudgedAnchor): string {
  const where = anchor.source === 'database' ? 'the database' : anchor.source;
  return anchor.status === 'signed' ? `the signed anchor of ${anchor.at} (${where})` : `an unsigned anchor from before anchors were signed (${where})`;
}

function hashesAs(keys: AuditKeys, row: StoredAuditEntry, seq: number): boolean {
  const entry = { ...chainEntryOf(row), seq };
  return keyedAuditEntryHash(keys.chainKey, row.prevHash, entry) === row.hash || auditEntryHash(row.prevHash, entry) === row.hash;
}

/**
 * Walks the chain from the start and reports the first entry that breaks it:
 * - inserted: an entry sits between two entries that were chained directly to each other
 *   (the later one links past it, even if the later ones were renumbered to make room);
 * - deleted: a sequence number is missing, or an intact entry links to a hash that no longer precedes it;
 * - modified: an entry's content no longer hashes to its stored hash;
 * - forged: an entry hashes without the installation's chain key — computed by someone holding only
 *   the database — where the chain is keyed (after a keyed entry, or past what signed anchors vouch for);
 * - rewritten: an entry differs from an anchor of it.
 * Truncation of the newest entries is found by comparing the head with the anchors (verify-trail.ts).
 */
export async function walkChain(db: Database, evidence: ChainEvidence): Promise<ChainReport> {
  const { keys, anchorsAt, legacyThrough } = evidence;
  let checked = 0;
  let legacy = 0;
  let expectedSeq = 1;
  let prevHash = AUDIT_GENESIS_HASH;
  let keyedSeen = false;
  const fail = (seq: number, kind: ChainProblemKind, message: string): ChainReport => ({
    ok: false,
    checked,
    headSeq: expectedSeq - 1,
    headHash: prevHash,
    legacy,
    problem: { seq, kind, message },
  });
  const rows = readChain(db)[Symbol.asyncIterator]();
  let next = await rows.next();
  while (!next.done) {
    const row: StoredAuditEntry = next.value;
    next = await rows.next();
    const after = next.done ? undefined : next.value;
    // The entry after this one links past it, to the one before: this one was inserted.
    if (
      after &&
      row.seq === expectedSeq &&
      row.prevHash === prevHash &&
      after.prevHash !== row.hash &&
      after.prevHash === row.prevHash &&
      (hashesAs(keys, after, after.seq) || hashesAs(keys, after, after.seq - 1))
    ) {
      return fail(row.seq, 'inserted', `Entry ${row.seq} was inserted into the chain: the entry after it links past it.`);
    }
    if (row.seq !== expectedSeq) {
      return fail(expectedSeq, 'deleted', `Entries from ${expectedSeq} up to ${row.seq - 1} are missing: they were deleted.`);
    }
    const entry = chainEntryOf(row);
    if (keyedAuditEntryHash(keys.chainKey, row.prevHash, entry) === row.hash) {
      keyedSeen = true;
    } else if (auditEntryHash(row.prevHash, entry) !== row.hash) {
      // Before any entry has checked with the key, the likelier story is the wrong key (a restore without it).
      const orKey = keyedSeen ? '' : ' (or the chain was written with another installation key: was the key restored with the database?)';
      return fail(row.seq, 'modified', `Entry ${row.seq} was modified after it was written: its content no longer matches its hash${orKey}.`);
    } else if (keyedSeen) {
      return fail(
        row.seq,
        'forged',
        `Entry ${row.seq} was not written by Haven: its hash is not keyed with this installation's key, though the entries before it are (someone with the database wrote it).`,
      );
    } else if (row.seq > legacyThrough) {
      return fail(
        row.seq,
        'forged',
        `Entry ${row.seq} was not written by Haven: its hash is not keyed with this installation's key, and no signed anchor vouches for it as an entry from before the chain was keyed. (Just upgraded? Start the server once: it anchors the old entries.)`,
      );
    } else {
      legacy += 1;
    }
    if (row.prevHash !== prevHash) {
      return fail(row.seq, 'deleted', `Entry ${row.seq} does not follow entry ${row.seq - 1}: the entry that preceded it was deleted or replaced.`);
    }
    const differing = anchorsAt.get(row.seq)?.find((anchor) => anchor.hash !== row.hash);
    if (differing) {
      return fail(row.seq, 'rewritten', `Entry ${row.seq} differs from ${describeAnchor(differing)}: the chain was rewritten at or before it.`);
    }
    prevHash = row.hash;
    expectedSeq += 1;
    checked += 1;
  }
  return { ok: true, checked, headSeq: expectedSeq - 1, headHash: prevHash, legacy };
}

/** Anchors that are evidence, by entry, and how far signed ones vouch for unkeyed entries (`legacyThrough`). */
export function evidenceFrom(keys: AuditKeys, anchors: JudgedAnchor[]): ChainEvidence {
  const anchorsAt = new Map<number, JudgedAnchor[]>();
  let legacyThrough = 0;
  for (const anchor of anchors) {
    if (anchor.status === 'forged') continue;
    anchorsAt.set(anchor.seq, [...(anchorsAt.get(anchor.seq) ?? []), anchor]);
    if (anchor.status === 'signed') legacyThrough = Math.max(legacyThrough, anchor.legacyThrough ?? 0);
  }
  return { keys, anchorsAt, legacyThrough };
}

/** The chain against the anchors in the database (verify-trail.ts adds the anchor file, truncation and the anchors' own problems). */
export async function verifyAuditChain(db: Database): Promise<ChainReport> {
  const keys = auditKeysOf(db);
  return walkChain(db, evidenceFrom(keys, await databaseAnchors(db, keys)));
}
