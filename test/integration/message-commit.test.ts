import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { appendAuditEntries, verifyAuditChain } from '../../server/audit';
import type { Database } from '../../server/db';
import { executeRows } from '../../server/db/execute-rows';
import { commitMessage, type MessageToStore } from '../../server/shares/message-commit';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, startConversation } from '../support/practitioner';

let haven: TestHaven;
const people = new People(() => haven);
let jordan: Practitioner;
let morgan: Practitioner;
let thread: { id: string; childId: string };

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  jordan = new Practitioner(await people.as('Jordan'));
  morgan = new Practitioner(await people.as('Morgan'));
  for (const p of [jordan, morgan]) await p.publishKeys();
  thread = await startConversation(jordan, [morgan], 'Lily Hartwell');
});
afterAll(async () => haven.close());

/** The database handle, counting the transactions the group commit opens on it. */
function countingTransactions(db: Database): { db: Database; transactions: () => number } {
  let transactions = 0;
  const counted = new Proxy(db, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === 'transaction' && typeof value === 'function') {
        return (...args: unknown[]) => {
          transactions += 1;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: counted, transactions: () => transactions };
}

/** A message from Jordan to Morgan as the send path hands it to the group commit (its envelope is not read here). */
function message(): MessageToStore {
  const id = randomUUID();
  const now = new Date();
  const header = { id, threadId: thread.id, childId: thread.childId };
  return {
    row: {
      id,
      threadId: thread.id,
      childId: thread.childId,
      senderId: jordan.userId,
      envelope: { header, body: 'sealed' },
      signature: 'signature',
      storedAt: now,
      revokedAt: null,
    },
    readers: [
      { userId: jordan.userId, deliveredAt: now },
      { userId: morgan.userId, deliveredAt: null },
    ],
    audit: {
      actorId: jordan.userId,
      agencyId: null,
      action: 'share.message_sent',
      subjectType: 'child',
      subjectId: thread.childId,
      detail: { messageId: id },
    },
  };
}

async function stored(db: Database, id: string): Promise<{ messages: number; copies: number; entries: number }> {
  const [row] = await executeRows<{ messages: string; copies: string; entries: string }>(
    db,
    sql`select (select count(*) from messages where id = ${id}) as messages,
               (select count(*) from deliveries where message_id = ${id}) as copies,
               (select count(*) from audit_entries where detail ->> 'messageId' = ${id}) as entries`,
  );
  return { messages: Number(row?.messages), copies: Number(row?.copies), entries: Number(row?.entries) };
}

async function morgansNumbers(db: Database): Promise<number[]> {
  const rows = await executeRows<{ seq: string }>(db, sql`select seq from deliveries where user_id = ${morgan.userId} order by seq`);
  return rows.map((r) => Number(r.seq));
}

describe('the message group commit', () => {
  it('after its first commit, stores a message with its copies and audit entry in one statement, outside any transaction', async () => {
    const { db, transactions } = countingTransactions(haven.database.handle.db);
    const first = message();
    await commitMessage(db, first);
    expect(transactions()).toBe(1); // the head is not known yet: read under the lock
    const later = [message(), message(), message()];
    const numbers = await Promise.all(later.map((m) => commitMessage(db, m)));
    expect(transactions()).toBe(1);
    for (const m of [first, ...later]) {
      expect(await stored(db, m.row.id)).toEqual({ messages: 1, copies: 2, entries: 1 });
      // The readable header is the envelope's own, stored once (inside it) until a revocation keeps it on its own.
      const [row] = await executeRows<{ header: unknown; readable: unknown }>(
        db,
        sql`select header, coalesce(header, envelope -> 'header') as readable from messages where id = ${m.row.id}`,
      );
      expect(row?.header).toBeNull();
      expect(row?.readable).toEqual(m.row.envelope?.header);
    }
    const morgans = numbers.map((n) => n.get(morgan.userId) ?? 0);
    expect(morgans.every((n, i) => i === 0 || n === (morgans[i - 1] ?? 0) + 1)).toBe(true);
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('when the chain moved on (another writer), keeps nothing of the failed statement and stores the message under the lock', async () => {
    const { db, transactions } = countingTransactions(haven.database.handle.db);
    await commitMessage(db, message());
    const before = transactions();
    const numbersBefore = await morgansNumbers(db);
    // Another kind of entry, appended by another path: this committer's head is now stale.
    await appendAuditEntries(db, [{ actorId: null, agencyId: null, action: 'audit.chain_verified', detail: { ok: true } }], new Date());
    const next = message();
    const numbers = await commitMessage(db, next);
    expect(transactions()).toBe(before + 2); // the appended entry's own, then the message's, after the one statement failed
    expect(await stored(db, next.row.id)).toEqual({ messages: 1, copies: 2, entries: 1 });
    // The failed statement took no number: Morgan's sequence has no gap.
    expect(await morgansNumbers(db)).toEqual([...numbersBefore, (numbersBefore.at(-1) ?? 0) + 1]);
    expect(numbers.get(morgan.userId)).toBe((numbersBefore.at(-1) ?? 0) + 1);
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('refuses, in the database, an append after a head that is not the chain’s', async () => {
    const db = haven.database.handle.db;
    const [head] = await executeRows<{ seq: string; hash: string }>(db, sql`select seq, hash from audit_entries order by seq desc limit 1`);
    const check = (seq: number, hash: string) => db.execute(sql`select haven_chain_continues(1, ${seq}, ${hash})`);
    await expect(check(Number(head?.seq), head?.hash ?? '')).resolves.toBeDefined();
    await expect(check(Number(head?.seq) - 1, head?.hash ?? '')).rejects.toMatchObject({ cause: { code: 'HV001' } });
    await expect(check(Number(head?.seq), 'not-the-hash')).rejects.toMatchObject({ cause: { code: 'HV001' } });
  });
});
