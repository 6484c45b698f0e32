import type { ServiceContext } from '../shared/context';
import { digestDecision, digestDueAt, digestHeldUntil } from './digest-rules';
import { INSTALLATION_TIME_ZONE, decideByPreferences, digestPeriodMs, effectivePreferences } from './preference-rules';
import { preferencesOf } from './preferences.store';
import { fromPayload, havenLink, type MailKind } from './mail-content';
import type { MailTransport } from './mail-transport';
import { mailSender } from './mail-setup';
import {
  claimOutboxRow,
  countUnreadSince,
  failExpiredLeases,
  findOutboxRow,
  lastDigestSentAt,
  markFailed,
  markRetry,
  markSent,
  markSkipped,
  skipQueued,
  postpone,
  queuedRows,
  recipientOf,
  type OutboxRow,
} from './outbox.store';
import { classifySendError, retryDelayMs } from './retry-rules';
import { renderMail } from './templates';

export type MailContext = Pick<ServiceContext, 'db' | 'clock' | 'config'>;

export type SendOutcome =
  | { outcome: 'sent'; kind: MailKind }
  /** Nothing to say (a digest with nothing unread) or nobody to say it to (an account suspended meanwhile). */
  | { outcome: 'skipped'; kind: MailKind; why: string }
  /** Not this worker's to send: already sent, failed, or being sent by another. */
  | { outcome: 'not_queued' }
  | { outcome: 'later'; at: Date }
  | { outcome: 'retry'; kind: MailKind; at: Date; error: string }
  | { outcome: 'failed'; kind: MailKind; bounced: boolean; error: string };

/**
 * The lease of a send: longer than any SMTP conversation can last (each step times out after
 * HAVEN_MAIL_SEND_TIMEOUT_SECONDS), so a lease that runs out means the worker died.
 */
export function leaseMs(config: MailContext['config']): number {
  return 4 * config.HAVEN_MAIL_SEND_TIMEOUT_SECONDS * 1000 + 30_000;
}

/**
 * The person's choices, read when the notice is due (so a change made after it was queued counts):
 * a notice they turned off is dropped; one that quiet hours hold waits for their end; a digest
 * waits for the person's own period after its first message and after their last digest.
 */
async function byPreferences(ctx: MailContext, row: OutboxRow, now: Date): Promise<{ skip: string } | { later: Date } | null> {
  if (!row.userId) return null;
  const { own, agency } = await preferencesOf(ctx.db, row.userId);
  const prefs = effectivePreferences(own, agency);
  const decision = decideByPreferences(row.kind, prefs, now, INSTALLATION_TIME_ZONE);
  if (decision.action === 'skip') return { skip: decision.why };
  if (decision.action === 'hold') return { later: decision.until };
  if (row.kind !== 'new_messages') return null;
  const period = digestPeriodMs(prefs.digest, ctx.config.HAVEN_MAIL_DIGEST_MINUTES);
  const due = digestDueAt(row.createdAt, period);
  if (due > now) return { later: due };
  const held = digestHeldUntil(await lastDigestSentAt(ctx.db, row.userId), period, now);
  return held ? { later: held } : null;
}

/**
 * Sends one outbox notice, at most once per Message-ID: the row is taken (`sending`, with a
 * lease) before the SMTP conversation and settled after it. A temporary failure puts it back with
 * a backoff, a permanent one (5xx, a bounce) or the last allowed attempt marks it failed.
 */
export async function sendNotice(ctx: MailContext, transport: MailTransport, id: string): Promise<SendOutcome> {
  const now = ctx.clock();
  const found = await findOutboxRow(ctx.db, id);
  if (!found || found.status !== 'queued') return { outcome: 'not_queued' };
  if (found.nextAttemptAt > now) return { outcome: 'later', at: found.nextAttemptAt };
  const chosen = await byPreferences(ctx, found, now);
  if (chosen && 'later' in chosen) {
    await postpone(ctx.db, id, chosen.later);
    return { outcome: 'later', at: chosen.later };
  }
  if (chosen) {
    await skipQueued(ctx.db, id, now, chosen.skip);
    return { outcome: 'skipped', kind: found.kind, why: chosen.skip };
  }
  const { domain } = mailSender(ctx.config);
  const row = await claimOutboxRow(ctx.db, id, now, new Date(now.getTime() + leaseMs(ctx.config)), domain);
  if (!row?.messageId) return { outcome: 'not_queued' };

  const recipient = row.userId ? await recipientOf(ctx.db, row.userId) : { email: row.address ?? '', suspended: false };
  if (!recipient?.email) {
    await markFailed(ctx.db, id, 'no recipient address');
    return { outcome: 'failed', kind: row.kind, bounced: false, error: 'no recipient address' };
  }
  // A suspended account hears of its suspension, and of nothing else until reinstated.
  if (recipient.suspended && row.kind !== 'account_suspended') {
    await markSkipped(ctx.db, id, now, 'account suspended');
    return { outcome: 'skipped', kind: row.kind, why: 'account suspended' };
  }
  const unread = row.kind === 'new_messages' && row.userId ? await countUnreadSince(ctx.db, row.userId, row.createdAt) : 0;
  if (row.kind === 'new_messages' && digestDecision(unread) === 'skip') {
    await markSkipped(ctx.db, id, now, 'nothing unread');
    return { outcome: 'skipped', kind: row.kind, why: 'nothing unread' };
  }
  let rendered;
  try {
    rendered = renderMail(fromPayload(row, unread), havenLink(ctx.config));
  } catch {
    await markFailed(ctx.db, id, 'the stored notice is not valid');
    return { outcome: 'failed', kind: row.kind, bounced: false, error: 'the stored notice is not valid' };
  }

  try {
    await transport.send({ to: recipient.email, ...rendered, messageId: row.messageId, date: now });
  } catch (error) {
    const failure = classifySendError(error);
    if (failure.permanent || row.attempts >= ctx.config.HAVEN_MAIL_MAX_ATTEMPTS) {
      const why = failure.permanent ? failure.summary : `${failure.summary}; gave up after ${row.attempts} attempts`;
      await markFailed(ctx.db, id, why);
      return { outcome: 'failed', kind: row.kind, bounced: failure.permanent, error: why };
    }
    const at = new Date(ctx.clock().getTime() + retryDelayMs(row.attempts, ctx.config.HAVEN_MAIL_RETRY_SECONDS * 1000));
    await markRetry(ctx.db, id, at, failure.summary);
    return { outcome: 'retry', kind: row.kind, at, error: failure.summary };
  }
  await markSent(ctx.db, id, ctx.clock());
  return { outcome: 'sent', kind: row.kind };
}

/** How many queued notices one sweep hands to the queue (oldest first); the rest go at the next. */
const SWEEP_BATCH = 1_000;

export const INTERRUPTED = 'interrupted while sending: it may or may not have been delivered';

/**
 * One pass of the mail sweep: sends that died half-way are marked failed (never sent again by
 * themselves), and every queued notice is handed to the queue again — a no-op for those whose
 * job is still there, a rescue for those whose wake-up was lost (a crash after commit, a flushed Redis).
 */
export async function sweepOutbox(
  ctx: MailContext,
  enqueue: (rows: { id: string; notBefore: Date }[]) => Promise<void>,
): Promise<{ interrupted: { id: string; kind: string }[]; enqueued: number }> {
  const interrupted = await failExpiredLeases(ctx.db, ctx.clock(), INTERRUPTED);
  const queued = await queuedRows(ctx.db, SWEEP_BATCH);
  if (queued.length) await enqueue(queued.map((r) => ({ id: r.id, notBefore: r.nextAttemptAt })));
  return { interrupted, enqueued: queued.length };
}
