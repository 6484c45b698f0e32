import { appendInTransaction, type NewAuditEntry } from '../audit';
import type { Database } from '../db';
import { insertNumberedMessages, type MessageRow } from './messages.store';

export interface MessageToStore {
  row: MessageRow;
  /** Everyone who gets a copy: the sender (whose copy counts as delivered) and the recipients. */
  readers: { userId: string; deliveredAt: Date | null }[];
  audit: NewAuditEntry;
  /** What else must commit with the message or not at all (a written record discharging an obligation). */
  alsoInTransaction?: ((tx: Database) => Promise<void>) | undefined;
}

/**
 * Stores messages, every reader's copy with the next numbers of their sequence, and the audit
 * entries, in the caller's transaction. Returns, per message, each reader's number.
 */
async function storeMessages(tx: Database, items: MessageToStore[]): Promise<Map<string, number>[]> {
  const copies = await insertNumberedMessages(
    tx,
    items.map((item) => item.row),
    items.flatMap((item) => item.readers.map((reader) => ({ messageId: item.row.id, userId: reader.userId, deliveredAt: reader.deliveredAt }))),
  );
  const byMessage = new Map<string, Map<string, number>>();
  for (const c of copies) byMessage.set(c.messageId, (byMessage.get(c.messageId) ?? new Map<string, number>()).set(c.userId, c.seq));
  const numbered = items.map((item) => byMessage.get(item.row.id) ?? new Map<string, number>());
  for (const [i, item] of items.entries()) {
    if (numbered[i]?.size !== item.readers.length) throw new Error('a reader was given no sequence number');
  }
  for (const item of items) await item.alsoInTransaction?.(tx);
  const at = new Date(Math.max(...items.map((item) => item.row.storedAt.getTime())));
  await appendInTransaction(
    tx,
    items.map((item) => item.audit),
    at,
  );
  return numbered;
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
      const numbered = await this.db.transaction((tx) =>
        storeMessages(
          tx,
          batch.map((w) => w.item),
        ),
      );
      batch.forEach((w, i) => w.resolve(numbered[i] ?? new Map<string, number>()));
    } catch (error) {
      const [only] = batch;
      if (batch.length === 1 && only) return only.reject(error);
      // One message's failure (its id stored meanwhile by another process, an obligation already
      // discharged) must not fail the others: each is tried again on its own.
      for (const waiting of batch) await this.commit([waiting]);
    }
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
