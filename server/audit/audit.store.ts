import { and, asc, desc, eq, gt, gte, inArray, lt, lte, sql, type SQL } from 'drizzle-orm';
import { AUDIT_GENESIS_HASH, auditPrivateDigest, keyedAuditEntryHash, randomBytes16, toHex, type AuditChainEntry } from '../../crypto';

import type { Database } from '../db';
import { auditEntries, auditPrivate } from '../db/schema';
import type { AuditAction } from './actions';
import { auditKeysOf } from './audit-keys';

export interface NewAuditEntry {
  actorId: string | null;
  agencyId: string | null;
  action: AuditAction;
  subjectType?: string | null;
  subjectId?: string | null;
  detail?: Record<string, unknown>;
  /**
   * Personal data the entry must record (search terms, free-text reasons), stored apart from the
   * chain and destroyed with these children's records; the chain keeps a salted digest.
   */
  privateDetail?: { detail: Record<string, unknown>; childIds: string[] };
}

export type StoredAuditEntry = typeof auditEntries.$inferSelect;

// Same key in every process: appends to the chain are serialised across the whole installation.
const AUDIT_CHAIN_LOCK_KEY = 0x4155_4454;

/** The chain-protected view of a stored row, exactly as it was hashed. */
export function chainEntryOf(row: StoredAuditEntry): AuditChainEntry {
  return {
    seq: row.seq,
    at: row.at.toISOString(),
    actorId: row.actorId,
    agencyId: row.agencyId,
    action: row.action,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    detail: row.detail,
  };
}

/**
 * Appends entries to the chain inside the caller's transaction. The transaction-scoped
 * advisory lock makes appends one-at-a-time, so the chain never forks; it is released when
 * the caller's transaction commits or rolls back, so an action and its audit entry land together.
 */
export async function appendAuditEntries(db: Database, entries: NewAuditEntry[], at: Date): Promise<void> {
  if (entries.length === 0) return;
  // Always inside a transaction: the advisory lock below lasts until that transaction ends. Given the
  // caller's transaction this is a savepoint, and the lock is held until the caller commits; given
  // the plain database handle it is a transaction of its own (never autocommit, which would release
  // the lock before the insert and let two writers pick the same sequence number).
  await db.transaction((tx) => appendInTransaction(tx, entries, at));
}

/** The newest entry of the chain: what the next entry links to. */
export interface ChainHead {
  seq: number;
  hash: string;
}

type PrivateRow = typeof auditPrivate.$inferInsert;

/**
 * Entries chained on from `head` with hashes keyed by the installation's chain key (format v2,
 * docs/audit-chain.md), as rows to insert (one JSON parameter), with the new head.
 */
function chained(
  chainKey: Uint8Array,
  entries: NewAuditEntry[],
  at: Date,
  head: ChainHead | undefined,
): { json: string; privateRows: PrivateRow[]; head: ChainHead } {
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? AUDIT_GENESIS_HASH;
  // Timestamps are kept to the millisecond, which is what the database column holds.
  const stamp = new Date(Math.floor(at.getTime())).toISOString();
  const privateRows: PrivateRow[] = [];
  const rows = entries.map((entry) => {
    seq += 1;
    let detail = entry.detail ?? {};
    if (entry.privateDetail) {
      const salt = toHex(randomBytes16());
      privateRows.push({ seq, salt, detail: entry.privateDetail.detail, childIds: entry.privateDetail.childIds });
      detail = { ...detail, privateDigest: auditPrivateDigest(salt, entry.privateDetail.detail) };
    }
    const entryToHash: AuditChainEntry = {
      seq,
      at: stamp,
      actorId: entry.actorId,
      agencyId: entry.agencyId,
      action: entry.action,
      subjectType: entry.subjectType ?? null,
      subjectId: entry.subjectId ?? null,
      detail,
    };
    const hash = keyedAuditEntryHash(chainKey, prevHash, entryToHash);
    const row = {
      seq,
      at: stamp,
      actor_id: entry.actorId,
      agency_id: entry.agencyId,
      action: entry.action,
      subject_type: entryToHash.subjectType,
      subject_id: entryToHash.subjectId,
      detail,
      prev_hash: prevHash,
      hash,
    };
    prevHash = hash;
    return row;
  });
  // One parameter (the rows as JSON) rather than ten per entry: a batch of hundreds (a retention
  // sweep) binds and parses far faster, and a single entry costs the same.
  return { json: JSON.stringify(rows), privateRows, head: { seq, hash: prevHash } };
}

const chainColumnNames = ['seq', 'at', 'actor_id', 'agency_id', 'action', 'subject_type', 'subject_id', 'detail', 'prev_hash', 'hash'];
const chainColumns = sql.raw(chainColumnNames.join(', '));
const chainRecordset = (json: string) =>
  sql`json_to_recordset(${json}::json)
    as r(seq bigint, at timestamptz, actor_id uuid, agency_id uuid, action text, subject_type text, subject_id text, detail jsonb, prev_hash text, hash text)`;

/**
 * For a caller that owns the open transaction `tx` (the message group commit): appends without
 * the savepoint `appendAuditEntries` would make, two round trips fewer. The lock lasts until
 * the caller's transaction ends. Returns the chain's new head.
 */
export async function appendInTransaction(tx: Database, entries: NewAuditEntry[], at: Date): Promise<ChainHead | undefined> {
  if (entries.length === 0) return undefined;
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK_KEY})`);
  const [last] = await tx.select({ seq: auditEntries.seq, hash: auditEntries.hash }).from(auditEntries).orderBy(desc(auditEntries.seq)).limit(1);
  const { json, privateRows, head } = chained(auditKeysOf(tx).chainKey, entries, at, last);
  await tx.execute(sql`insert into ${auditEntries} (${chainColumns}) select ${chainColumns} from ${chainRecordset(json)}`);
  if (privateRows.length) await tx.insert(auditPrivate).values(privateRows);
  return head;
}

/**
 * Entries without private detail, chained on from a head the caller saw committed, as a CTE
 * (`audited`) for a statement that stores what they record: one statement, committed on its own,
 * instead of a transaction of five round trips. Before inserting, the statement takes the chain's
 * lock and reads the head afresh (migration 0023); should the chain have moved on (another
 * process, another kind of entry), it fails whole and nothing it would have stored is kept.
 */
export function auditAfterHead(db: Database, entries: NewAuditEntry[], at: Date, head: ChainHead): { cte: SQL; head: ChainHead } {
  if (entries.some((entry) => entry.privateDetail)) throw new Error('entries with private detail are appended in a transaction');
  const next = chained(auditKeysOf(db).chainKey, entries, at, head);
  // The check is a CTE of its own so that it runs once, before the first entry goes in.
  const cte = sql`chain_continues as (select haven_chain_continues(${AUDIT_CHAIN_LOCK_KEY}, ${head.seq}, ${head.hash}) as ok),
    audited as (
      insert into ${auditEntries} (${chainColumns})
      select ${sql.raw(chainColumnNames.map((c) => `r.${c}`).join(', '))}
        from ${chainRecordset(next.json)}
        cross join chain_continues
       where chain_continues.ok
      returning seq
    )`;
  return { cte, head: next.head };
}

/** The newest entry of the chain, whole (the anchor writer checks its hash before signing it). */
export async function newestEntry(db: Database): Promise<StoredAuditEntry | undefined> {
  const [row] = await db.select().from(auditEntries).orderBy(desc(auditEntries.seq)).limit(1);
  return row;
}

/** Private details of these entries that still exist (destroyed ones are simply absent). */
export async function privateDetails(db: Database, seqs: number[]): Promise<Map<number, Record<string, unknown>>> {
  if (!seqs.length) return new Map();
  const rows = await db.select({ seq: auditPrivate.seq, detail: auditPrivate.detail }).from(auditPrivate).where(inArray(auditPrivate.seq, seqs));
  return new Map(rows.map((r) => [r.seq, r.detail]));
}

export interface AuditFilter {
  agencyId?: string | null;
  /** Entries about this child: with it as subject, or searches that returned it. */
  aboutChildId?: string | undefined;
  action?: string | undefined;
  actorId?: string | undefined;
  subjectId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  beforeSeq?: number | undefined;
  limit: number;
}

export async function listAuditEntries(db: Database, filter: AuditFilter): Promise<StoredAuditEntry[]> {
  const conditions: SQL[] = [];
  if (filter.agencyId) conditions.push(eq(auditEntries.agencyId, filter.agencyId));
  if (filter.action) conditions.push(eq(auditEntries.action, filter.action));
  if (filter.actorId) conditions.push(eq(auditEntries.actorId, filter.actorId));
  if (filter.subjectId) conditions.push(eq(auditEntries.subjectId, filter.subjectId));
  if (filter.aboutChildId) {
    conditions.push(sql`(${auditEntries.subjectId} = ${filter.aboutChildId} or ${auditEntries.detail} -> 'returned' ? ${filter.aboutChildId})`);
  }
  if (filter.from) conditions.push(gte(auditEntries.at, filter.from));
  if (filter.to) conditions.push(lte(auditEntries.at, filter.to));
  if (filter.beforeSeq) conditions.push(lt(auditEntries.seq, filter.beforeSeq));
  return db
    .select()
    .from(auditEntries)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditEntries.seq))
    .limit(filter.limit);
}

/** Reads the chain in order, a page at a time, so verifying a long chain does not load it whole. */
export async function* readChain(db: Database, pageSize = 5_000): AsyncGenerator<StoredAuditEntry> {
  let after = 0;
  for (;;) {
    const page = await db.select().from(auditEntries).where(gt(auditEntries.seq, after)).orderBy(asc(auditEntries.seq)).limit(pageSize);
    for (const row of page) yield row;
    const lastRow = page.at(-1);
    if (!lastRow || page.length < pageSize) return;
    after = lastRow.seq;
  }
}

/**
 * The subjects this person acted on with these actions since a time, each once, the most recent
 * first, with when they last did: the children someone opened lately, for their home page.
 */
export async function recentSubjectsOf(
  db: Database,
  actorId: string,
  actions: AuditAction[],
  since: Date,
  limit: number,
): Promise<{ subjectId: string; at: Date }[]> {
  const rows = await db
    .select({ subjectId: auditEntries.subjectId, at: sql<Date>`max(${auditEntries.at})`.mapWith((v: string | Date) => new Date(v)) })
    .from(auditEntries)
    .where(
      and(eq(auditEntries.actorId, actorId), inArray(auditEntries.action, actions), gte(auditEntries.at, since), sql`${auditEntries.subjectId} is not null`),
    )
    .groupBy(auditEntries.subjectId)
    .orderBy(desc(sql`max(${auditEntries.at})`))
    .limit(limit);
  return rows.flatMap((r) => (r.subjectId ? [{ subjectId: r.subjectId, at: r.at }] : []));
}
