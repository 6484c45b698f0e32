import type { SQL } from 'drizzle-orm';
import type { Config } from '../config';
import type { Database } from '../db';
import type { QueuedNotice, ServiceContext } from '../shared/context';
import { digestDueAt } from './digest-rules';
import { toPayload, type EventContent } from './mail-content';
import { digestRowsCte, insertDigestRows, insertOutboxRows, type DigestNotice } from './outbox.store';

/** Who a notice goes to: an account (its address is read at send time), or an address with no account yet. */
export type Recipient = { userId: string } | { address: string };

export interface Notice {
  to: Recipient;
  content: EventContent;
}

/**
 * Writes notices to the outbox in the caller's transaction, so they exist if and only if the
 * event that causes them commits. Returns what to wake the worker for once committed (`wakeOutbox`).
 */
export async function queueNotices(tx: Database, notices: Notice[], now: Date): Promise<QueuedNotice[]> {
  const rows = notices.map(({ to, content }) => ({
    ...('userId' in to ? { userId: to.userId } : { address: to.address }),
    kind: content.kind,
    ...toPayload(content),
    nextAttemptAt: now,
    createdAt: now,
  }));
  const inserted = await insertOutboxRows(tx, rows);
  return inserted.map((r) => ({ id: r.id, notBefore: r.nextAttemptAt }));
}

/** After commit: asks the mail worker to send these now. Never fails the caller: the sweep finds anything a lost wake-up leaves. */
export function wakeOutbox(ctx: Pick<ServiceContext, 'outbox'>, queued: QueuedNotice[]): void {
  if (queued.length) ctx.outbox?.wake(queued);
}

/** A new message's notices for its recipients, gathered into one digest per person (digest-rules.ts). */
export function newMessageNotices(config: Pick<Config, 'HAVEN_MAIL_DIGEST_MINUTES'>, recipients: string[], storedAt: Date): DigestNotice[] {
  const dueAt = digestDueAt(storedAt, config.HAVEN_MAIL_DIGEST_MINUTES * 60_000);
  return [...new Set(recipients)].map((userId) => ({ userId, at: storedAt, dueAt }));
}

/** In the transaction that stores the messages. The digest is due a period later: the sweep wakes the worker for it. */
export function queueDigests(tx: Database, notices: DigestNotice[]): Promise<void> {
  return insertDigestRows(tx, notices);
}

/** The same as a CTE, for messages stored in one statement. */
export function digestsAlongside(notices: DigestNotice[]): SQL | null {
  return notices.length ? digestRowsCte(notices) : null;
}
