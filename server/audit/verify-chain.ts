import { AUDIT_GENESIS_HASH, auditEntryHash } from '../../crypto';
import type { Database } from '../db';
import { chainEntryOf, readChain, type StoredAuditEntry } from './audit.store';

export type ChainProblemKind = 'modified' | 'inserted' | 'deleted';

export interface ChainReport {
  ok: boolean;
  checked: number;
  headSeq: number;
  headHash: string;
  problem?: { seq: number; kind: ChainProblemKind; message: string };
}

function hashesAs(row: StoredAuditEntry, seq: number): boolean {
  return auditEntryHash(row.prevHash, { ...chainEntryOf(row), seq }) === row.hash;
}

/**
 * Walks the chain from the start and reports the first entry that breaks it:
 * - modified: an entry's content no longer hashes to its stored hash;
 * - deleted: a sequence number is missing, or an intact entry links to a hash that no longer precedes it;
 * - inserted: an entry sits between two entries that were chained directly to each other
 *   (the later one links past it, even if the later ones were renumbered to make room).
 * Truncation of the newest entries is caught by comparing with anchors (see docs/audit-chain.md).
 */
export async function verifyAuditChain(db: Database): Promise<ChainReport> {
  let checked = 0;
  let expectedSeq = 1;
  let prevHash = AUDIT_GENESIS_HASH;
  let prevRow: StoredAuditEntry | undefined;
  for await (const row of readChain(db)) {
    const fail = (seq: number, kind: ChainProblemKind, message: string): ChainReport => ({
      ok: false,
      checked,
      headSeq: expectedSeq - 1,
      headHash: prevHash,
      problem: { seq, kind, message },
    });
    // The later entry links past its predecessor, to the one before: that predecessor was inserted.
    if (prevRow && row.prevHash !== prevHash && row.prevHash === prevRow.prevHash && (hashesAs(row, row.seq) || hashesAs(row, row.seq - 1))) {
      return fail(prevRow.seq, 'inserted', `Entry ${prevRow.seq} was inserted into the chain: the entry after it links past it.`);
    }
    if (row.seq !== expectedSeq) {
      return fail(expectedSeq, 'deleted', `Entries from ${expectedSeq} up to ${row.seq - 1} are missing: they were deleted.`);
    }
    if (!hashesAs(row, row.seq)) {
      return fail(row.seq, 'modified', `Entry ${row.seq} was modified after it was written: its content no longer matches its hash.`);
    }
    if (row.prevHash !== prevHash) {
      return fail(row.seq, 'deleted', `Entry ${row.seq} does not follow entry ${row.seq - 1}: the entry that preceded it was deleted or replaced.`);
    }
    prevHash = row.hash;
    prevRow = row;
    expectedSeq += 1;
    checked += 1;
  }
  return { ok: true, checked, headSeq: expectedSeq - 1, headHash: prevHash };
}
