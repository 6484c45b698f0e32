import { appendInTransaction, auditAfterHead, type ChainHead, type NewAuditEntry } from '../audit';
import { sql } from 'drizzle-orm';
import type { Database } from '../db';
import { digestsAlongside, queueDigests, type DigestNotice } from '../notifications';
import { insertNumberedMessages, type NewMessage } from './messages.store';

export interface MessageToStore {
  row: NewMessage;
  /** Everyone who gets a copy: the sender (whose copy counts as delivered) and the recipients. */
  readers: { userId: string; deliveredAt: Date | null }[];
  audit: NewAuditEntry;
  /** E-mail notices of the message for its recipients, gathered per person (server/notifications): written with it. */
  notices?: DigestNotice[] | undefined;
  /** What else must commit with the message or not at all (a written record discharging an obligation). */
  alsoInTransaction?: ((tx: Database) => Promise<void>) | undefined;
}

function copiesOf(items: MessageToStore[]) {
  return items.flatMap((item) => item.readers.map((reader) => ({ messageId: item.row.id, userId: reader.userId, deliveredAt: reader.deliveredAt })));
}

/** Per message, each reader's number; every reader must have one. */
function numbersByMessage(items: MessageToStore[], copies: { messageId: string; userId: string; seq: number }[]): Map<string, number>[] {
  const byMessage = new Map<string, Map<string, number>>();
  for (const c of copies) byMessage.set(c.messageId, (byMessage.get(c.messageId) ?? new Map<string, number>()).set(c.userId, c.seq));
  const numbered = items.map((item) => byMessage.get(item.row.id) ?? new Map<string, number>());
  for (const [i, item] of items.entries()) {
    if (numbered[i]?.size !== item.readers.length) throw new Error('a reader was given no sequence number');
  }
  return numbered;
}

/** The batch's e-mail notices, one per person (the first message's time is the one kept). */
function noticesOf(items: MessageToStore[]): DigestNotice[] {
  const byUser = new Map<string, DigestNotice>();
  for (const notice of items.flatMap((item) => item.notices ?? [])) if (!byUser.has(notice.userId)) byUser.set(notice.userId, notice);
  return [...byUser.values()];
}

/** The time the batch's audit entries carry: the newest message's. */
function batchTime(items: MessageToStore[]): Date {
  return new Date(Math.max(...items.map((item) => item.row.storedAt.getTime())));
}

interface Stored {
  numbered: Map<string, number>[];
  head: ChainHead | undefined;
}

/**
 * Stores messages, every reader's copy with the next numbers of their sequence, and the audit
 * entries, in the caller's transaction, the chain's head read under its lock. Returns, per
 * message, each reader's number, and the chain's new head.
 */
async function storeInTransaction(tx: Database, items: MessageToStore[]): Promise<Stored> {
  const numbered = numbersByMessage(
    items,
    await insertNumberedMessages(
      tx,
      items.map((item) => item.row),
      copiesOf(items),
    ),
  );
  for (const item of items) await item.alsoInTransaction?.(tx);
  await queueDigests(tx, noticesOf(items));
  const head = await appendInTransaction(
    tx,
    items.map((item) => item.audit),
    batchTime(items),
  );
  return { numbered, head };
}

/**
 * The same in one statement that commits on its own, the audit entries chained on from `head`,
 * the head this process last committed: one round trip instead of six. It fails whole when the
 * chain has moved on since (see `auditAfterHead`).
 */
async function storeAfterHead(db: Database, items: MessageToStore[], head: ChainHead): Promise<Stored> {
  const audit = auditAfterHead(
    db,
    items.map((item) => item.audit),
    batchTime(items),
    head,
  );
  const digests = digestsAlongside(noticesOf(items));
  const copies = await insertNumberedMessages(
    db,
    items.map((item) => item.row),
    copiesOf(items),
    digests ? sql`${audit.cte}, ${digests}` : audit.cte,
  );
  return { numbered: numbersByMessage(items, copies), head: audit.head };
}

interface Waiting {
  item: MessageToStore;
  resolve(seqs: Map<string, number>): void;
  reject(error: unknown): void;
}

/**
 * Group commit. Every stored message takes the audit chain's lock until its transaction commits,
 * so messages committed one by one queue behind each other's commits. Here, messages arriving
 * while a transaction commits wait and go together in the next: one lock and one commit for the
 * lot, and each message still commits with its copies, numbers and audit entry, or not at all.
 * A lone message goes at once, so a quiet server adds no delay.
 */
class MessageCommitter {
  private readonly waiting: Waiting[] = [];
  private draining = false;
  /** The audit chain's head as this process's last commit left it; unknown until a commit, or after a failure. */
  private head: ChainHead | undefined;
  /** After the chain moved on under a one-statement commit: when to try one again (see `storeBatch`). */
  private oneStatementFrom = 0;

  constructor(
    private readonly db: Database,
    private readonly maxBatch: number,
  ) {}

  store(item: MessageToStore): Promise<Map<string, number>> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.waiting.length) await this.commit(this.waiting.splice(0, this.maxBatch));
    } finally {
      this.draining = false;
    }
  }

  private async commit(batch: Waiting[]): Promise<void> {
    try {
      const numbered = await this.storeBatch(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(numbered[i] ?? new Map<string, number>()));
    } catch (error) {
      const [only] = batch;
      if (batch.length === 1 && only) return only.reject(error);
      // One message's failure (its id stored meanwhile by another process, an obligation already
      // discharged) must not fail the others: each is tried again on its own.
      for (const waiting of batch) await this.commit([waiting]);
    }
  }

  /**
   * In one statement after the head this process last committed, when it knows it and nothing
   * else must commit with the messages; otherwise, or when the chain has moved on (another
   * process or another kind of entry appended), in a transaction that reads the head under the
   * lock. After the chain moved on, for a second only transactions: where several processes
   * take turns on the chain, most one-statement commits would fail and be made again.
   */
  private async storeBatch(items: MessageToStore[]): Promise<Map<string, number>[]> {
    const head = this.head;
    this.head = undefined;
    if (head && Date.now() >= this.oneStatementFrom && items.every((item) => !item.alsoInTransaction)) {
      try {
        const stored = await storeAfterHead(this.db, items, head);
        this.head = stored.head;
        return stored.numbered;
      } catch {
        // Nothing of it was kept (one statement): stored again below, or failing there with its reason.
        this.oneStatementFrom = Date.now() + 1_000;
      }
    }
    const stored = await this.db.transaction((tx) => storeInTransaction(tx, items));
    this.head = stored.head;
    return stored.numbered;
  }
}

const committers = new WeakMap<Database, MessageCommitter>();

/** Stores one message through the group commit of its database (one per process and database). */
export function commitMessage(db: Database, item: MessageToStore): Promise<Map<string, number>> {
  let committer = committers.get(db);
  if (!committer) {
    committer = new MessageCommitter(db, 200);
    committers.set(db, committer);
  }
  return committer.store(item);
}
