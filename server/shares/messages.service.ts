import { canonicalJson, fromBase64Url, parseEnvelope, verifyEnvelope, CryptoError, type Envelope } from '../../crypto';
import type { SignedIn } from '../accounts/session-view';
import { appendAuditEntries } from '../audit';
import { deleteCiphertext, linkUploads, requireAttachable, requireDocumentsNamed } from '../attachments';
import { agencyOf } from '../children/children.service';
import { ConflictError, ForbiddenError, NotFoundError, TooManyRequestsError, ValidationError } from '../errors';
import { hitThrottles } from '../accounts/sessions.store';
import { keysOfUsers } from '../keys/keys.store';
import { canDischargeObligationWith, canLeaveReadersPending, canRevokeMessage, canShare, canShareAboutMarkedChild, requireAllowed } from '../policy';
import type { Receipt, SyncedMessage } from '../realtime/events';
import type { ServiceContext } from '../shared/context';
import { parseInput } from '../shared/parse-input';
import {
  deliveriesOfMessage,
  deliveryOf,
  findMessage,
  markDelivered,
  markRead,
  messagesSince,
  receiptsOf,
  revokeMessage,
  type MessageRow,
  type NewMessage,
} from './messages.store';
import { commitMessage } from './message-commit';
import { shareRecord } from './share-record';
import { requireThread } from './threads.service';
import { loadUserRecords } from '../accounts/accounts.store';
import { dischargeObligation } from '../offending/obligations.service';
import { newMessageNotices } from '../notifications';

function envelopeOf(raw: unknown): Envelope {
  try {
    return parseEnvelope(raw);
  } catch (error) {
    if (error instanceof CryptoError) throw new ValidationError(`The envelope is not valid: ${error.message}`, [], 'malformed_envelope');
    throw error;
  }
}

function synced(row: MessageRow, seq: number): SyncedMessage {
  return { ...unnumbered(row), seq };
}

/** A message as every reader gets it, before their own number in their sequence. */
function unnumbered(row: NewMessage | MessageRow): Omit<SyncedMessage, 'seq'> {
  return {
    id: row.id,
    threadId: row.threadId,
    childId: row.childId,
    senderId: row.senderId,
    storedAt: row.storedAt.toISOString(),
    envelope: row.envelope,
    revoked: row.revokedAt !== null,
    keyGrants: 'keyGrants' in row ? row.keyGrants : [],
  };
}

type ThreadAndKeys = Promise<[Awaited<ReturnType<typeof requireThread>>, Awaited<ReturnType<typeof keysOfUsers>>]>;

/**
 * The conversation and the keys the header names, looked up at once with the resend check and the
 * rate limit, so after its session a send waits for one round of lookups instead of two. The keys
 * are only trusted once `checkEnvelope` has shown the recipients to be exactly the thread's other
 * participants.
 * A failure is kept for `checkEnvelope` to throw, in its turn (a resend or a rate limit answers first).
 */
function lookUpThreadAndKeys(ctx: ServiceContext, signedIn: SignedIn, envelope: Envelope): ThreadAndKeys | undefined {
  const { header } = envelope;
  if (header.senderId !== signedIn.actor.id || !header.threadId) return undefined;
  const lookups = Promise.all([
    requireThread(ctx, signedIn, header.threadId),
    keysOfUsers(ctx.db, [signedIn.actor.id, ...header.recipients.map((r) => r.userId), ...pendingOf(envelope)]),
  ]);
  lookups.catch(() => undefined);
  return lookups;
}

/** The readers an envelope v3 names as still waiting for keys (none before v3). */
function pendingOf(envelope: Envelope): string[] {
  return envelope.header.v === 3 ? envelope.header.pending : [];
}

/**
 * Checks everything the server can check about an envelope it cannot read: the header is the
 * sender's, for a thread they are in, addressed to exactly the other participants at their
 * current keys (in the special file, those without keys named as pending instead), with a valid
 * share record, and signed by the sender's logged key.
 */
async function checkEnvelope(
  ctx: ServiceContext,
  signedIn: SignedIn,
  envelope: Envelope,
  lookups: ThreadAndKeys | undefined,
): Promise<{ threadId: string; childId: string; recipients: string[]; pending: string[] }> {
  const { header } = envelope;
  if (header.senderId !== signedIn.actor.id) throw new ForbiddenError('not_the_sender', 'You can only send messages as yourself.');
  if (!header.threadId || !lookups) {
    throw new ValidationError('A message must belong to a conversation.', [{ path: 'header.threadId', message: 'Choose the conversation' }]);
  }
  const [{ thread, participantIds, child }, namedKeys] = await lookups;
  const specialFile = thread.tier === 'offending_risk';
  const [kind, tier] = specialFile ? ['written_record', 'offending_risk'] : ['message', 'welfare'];
  if (header.kind !== kind || header.tier !== tier) {
    throw new ForbiddenError(
      'wrong_share_kind',
      specialFile
        ? 'A special file holds written records in the offending-risk tier only.'
        : 'Conversations carry welfare-tier messages; offending-risk information is shared as written records in the special file.',
    );
  }
  if (specialFile || child.offendingRiskMarkedAt) {
    const others = await loadUserRecords(ctx.db, { ids: participantIds.filter((id) => id !== signedIn.actor.id) });
    requireAllowed(canShareAboutMarkedChild(signedIn.actor, { kind: header.kind, emergency: false, recipients: others.map((r) => ({ role: r.user.role })) }));
  }
  if (header.childId !== thread.childId)
    throw new ValidationError('The message is about a different child from its conversation.', [
      { path: 'header.childId', message: 'Use the conversation’s child' },
    ]);
  const expected = participantIds.filter((id) => id !== signedIn.actor.id).sort();
  const pending = pendingOf(envelope);
  const named = [...header.recipients.map((r) => r.userId), ...pending].sort();
  if (named.length !== expected.length || named.some((id, i) => id !== expected[i])) {
    throw new ValidationError('A message goes to exactly the other people in the conversation.', [
      { path: 'header.recipients', message: 'Address it to everyone else in the conversation' },
    ]);
  }
  const keys = new Map(namedKeys.map((k) => [k.userId, k]));
  requireAllowed(
    canLeaveReadersPending(
      thread,
      pending,
      expected.filter((id) => !keys.has(id)),
    ),
  );
  const senderKeys = keys.get(signedIn.actor.id);
  if (!senderKeys || senderKeys.fingerprint !== header.senderKeyFingerprint) {
    throw new ConflictError('sender_key_changed', 'Your keys on this device are not your published keys. Restore your keys before sending.');
  }
  const stale = header.recipients.find((r) => keys.get(r.userId)?.fingerprint !== r.keyFingerprint);
  if (stale) throw new ConflictError('recipient_key_changed', 'Someone in this conversation has new keys. Check them, then send again.');
  const record = parseInput(shareRecord, header.record, 'share record');
  if (canonicalJson(record) !== canonicalJson(header.record)) {
    throw new ValidationError('The share record must be sent in its normalised form (as the shared validator returns it).', [
      { path: 'header.record', message: 'Sign the record as the validator returns it' },
    ]);
  }
  try {
    verifyEnvelope(envelope, fromBase64Url(senderKeys.signPublicKey));
  } catch {
    throw new ForbiddenError('signature_invalid', 'The message’s signature does not match its content. It was not stored.');
  }
  return { threadId: thread.id, childId: thread.childId, recipients: expected, pending };
}

/** Per-user and per-address send limits (fixed one-minute windows, shared by every server process). */
async function throttleSends(ctx: ServiceContext, userId: string, address: string | undefined): Promise<void> {
  const now = ctx.clock();
  const limits = new Map([[`send:user:${userId}`, ctx.config.HAVEN_SENDS_PER_USER_PER_MINUTE]]);
  if (address) limits.set(`send:address:${address}`, ctx.config.HAVEN_SENDS_PER_ADDRESS_PER_MINUTE);
  for (const { key, count, resetAt } of await hitThrottles(ctx.db, [...limits.keys()], now, 60_000)) {
    if (count > (limits.get(key) ?? 0)) {
      const seconds = Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000));
      throw new TooManyRequestsError(
        'too_many_messages',
        `Too many messages in a short time. Wait ${seconds} seconds and send again; nothing was lost.`,
        seconds,
      );
    }
  }
}

/**
 * Stores a message and its audit entry in one transaction, gives each reader (and the
 * sender's own copy) the next number in their sequence, then tells online recipients.
 * A resend with the same envelope id returns the first result and stores nothing new.
 */
export async function sendMessage(
  ctx: ServiceContext,
  signedIn: SignedIn,
  raw: unknown,
  options: {
    dischargesObligationId?: string | undefined;
    address?: string | undefined;
    connectionId?: string | undefined;
    /** The sender's finished uploads for this conversation that the envelope's signed body describes; tied to the message as it is stored. */
    attachmentIds?: string[] | undefined;
  } = {},
): Promise<{ id: string; seq: number; storedAt: string; duplicate: boolean }> {
  requireAllowed(canShare(signedIn.actor, agencyOf(signedIn)));
  const envelope = envelopeOf(raw);
  // Independent round trips, made at once: each costs a wait on the database, not work here.
  const threadAndKeys = lookUpThreadAndKeys(ctx, signedIn, envelope);
  const [, previous] = await Promise.all([throttleSends(ctx, signedIn.actor.id, options.address), findMessage(ctx.db, envelope.header.id)]);
  if (previous) {
    const mine = previous.senderId === signedIn.actor.id ? await deliveryOf(ctx.db, previous.id, signedIn.actor.id) : undefined;
    if (!mine || previous.signature !== envelope.signature) throw new ConflictError('id_in_use', 'This message id is already used by another message.');
    // The first attempt was stored, but its notice may have died with the process that stored it
    // (issue 23): tell the readers again. Clients drop an id they already hold, so this costs a
    // duplicate event at most, never a duplicate message.
    await renotifyReaders(ctx, previous, options.connectionId);
    return { id: previous.id, seq: mine.seq, storedAt: previous.storedAt.toISOString(), duplicate: true };
  }
  const { threadId, childId, recipients, pending } = await checkEnvelope(ctx, signedIn, envelope, threadAndKeys);
  const attachmentIds = [...new Set(options.attachmentIds ?? [])];
  if (attachmentIds.length) {
    requireDocumentsNamed(envelope.header.record, 'header.record.kindsOfInformation', 'message');
    await requireAttachable(ctx, signedIn, threadId, attachmentIds);
  }
  const now = ctx.clock();
  const row: NewMessage = {
    id: envelope.header.id,
    threadId,
    childId,
    senderId: signedIn.actor.id,
    envelope: { ...envelope },
    signature: envelope.signature,
    storedAt: now,
    revokedAt: null,
  };
  const { dischargesObligationId } = options;
  if (dischargesObligationId !== undefined) requireAllowed(canDischargeObligationWith({ kind: envelope.header.kind }));
  const seqs = await commitMessage(ctx.db, {
    row,
    readers: [{ userId: signedIn.actor.id, deliveredAt: now }, ...recipients.map((userId) => ({ userId, deliveredAt: null }))],
    // Each recipient's e-mail digest gathers it; it goes a period later only if still unread then.
    notices: newMessageNotices(ctx.config, recipients, now),
    audit: {
      actorId: signedIn.actor.id,
      agencyId: signedIn.actor.agencyId,
      action: 'share.message_sent',
      subjectType: 'child',
      subjectId: childId,
      // Everyone else gets a copy; those still waiting for keys (pending) open it once a reader grants them its key.
      detail: {
        messageId: row.id,
        threadId,
        recipients,
        ...(pending.length ? { pending } : {}),
        ...(attachmentIds.length ? { attachments: attachmentIds } : {}),
      },
    },
    alsoInTransaction:
      dischargesObligationId === undefined && !attachmentIds.length
        ? undefined
        : async (tx) => {
            if (attachmentIds.length) await linkUploads(tx, attachmentIds, row.id);
            if (dischargesObligationId !== undefined) {
              await dischargeObligation(ctx, tx, {
                obligationId: dischargesObligationId,
                officerId: signedIn.actor.id,
                agencyId: signedIn.actor.agencyId,
                childId,
                messageId: row.id,
              });
            }
          },
  });
  const stored = { row, seqs };
  // Only after commit: a recipient is never told of a message that might still roll back. The
  // sender's other connections are told too; the one it came on has its number in the ack.
  ctx.notifier.messageCopies({ message: unnumbered(stored.row), readers: [...stored.seqs], exceptConnection: options.connectionId ?? null });
  return { id: stored.row.id, seq: stored.seqs.get(signedIn.actor.id) ?? 0, storedAt: now.toISOString(), duplicate: false };
}

/** Sends a stored message's notices again, to every reader at their own sequence number (not to the connection that resent it). */
async function renotifyReaders(ctx: ServiceContext, message: MessageRow, connectionId: string | undefined): Promise<void> {
  const readers = await deliveriesOfMessage(ctx.db, message.id);
  ctx.notifier.messageCopies({
    message: unnumbered(message),
    readers: readers.map((r) => [r.userId, r.seq] as [string, number]),
    exceptConnection: connectionId ?? null,
  });
}

/** Everything after the reader's cursor, in order; nothing is skipped because numbers have no gaps. */
export async function syncSince(
  ctx: ServiceContext,
  signedIn: SignedIn,
  cursor: number,
  limit = 200,
): Promise<{ messages: SyncedMessage[]; cursor: number; more: boolean }> {
  const rows = await messagesSince(ctx.db, signedIn.actor.id, cursor, limit + 1);
  const page = rows.slice(0, limit);
  return { messages: page.map((r) => synced(r.message, r.seq)), cursor: page.at(-1)?.seq ?? cursor, more: rows.length > limit };
}

function notifySender(ctx: ServiceContext, senderId: string, receipt: Receipt): void {
  ctx.notifier.toUsers([senderId], 'share:receipt', receipt);
}

/**
 * Receipts of the user's own messages among `ids`, for a client that may have missed them live
 * (offline, or a server process lost on the way): ids of messages they did not send answer nothing.
 */
export async function receiptsOfMine(ctx: ServiceContext, signedIn: SignedIn, ids: string[]): Promise<Record<string, { delivered: string[]; read: string[] }>> {
  return Object.fromEntries(await receiptsOf(ctx.db, ids, signedIn.actor.id));
}

export async function acknowledgeDelivery(ctx: ServiceContext, signedIn: SignedIn, ids: string[]): Promise<string[]> {
  const now = ctx.clock();
  const acknowledged = await markDelivered(ctx.db, signedIn.actor.id, ids, now);
  for (const id of acknowledged) {
    const message = await findMessage(ctx.db, id);
    if (message && message.senderId !== signedIn.actor.id)
      notifySender(ctx, message.senderId, { messageId: id, userId: signedIn.actor.id, kind: 'delivered', at: now.toISOString() });
  }
  return acknowledged;
}

export async function acknowledgeRead(ctx: ServiceContext, signedIn: SignedIn, id: string): Promise<void> {
  const message = await findMessage(ctx.db, id);
  if (!message || !(await deliveryOf(ctx.db, id, signedIn.actor.id))) throw new NotFoundError('message_not_found', 'There is no such message for you.');
  const now = ctx.clock();
  if ((await markRead(ctx.db, signedIn.actor.id, id, now)) && message.senderId !== signedIn.actor.id) {
    notifySender(ctx, message.senderId, { messageId: id, userId: signedIn.actor.id, kind: 'read', at: now.toISOString() });
  }
}

/** Withdraws an unopened message sent in error; every reader is told it was revoked (not what it said). */
export async function revoke(ctx: ServiceContext, signedIn: SignedIn, id: string): Promise<void> {
  const message = await findMessage(ctx.db, id);
  if (!message) throw new NotFoundError('message_not_found', 'There is no such message.');
  const readers = await deliveriesOfMessage(ctx.db, id);
  const openedByAnyone = readers.some((d) => d.userId !== message.senderId && d.readAt !== null);
  requireAllowed(canRevokeMessage(signedIn.actor, { senderId: message.senderId, openedByAnyone }));
  const now = ctx.clock();
  const deletion = await ctx.db.transaction(async (tx) => {
    if (!(await revokeMessage(tx, id, now))) throw new ConflictError('already_revoked', 'This message was already revoked.');
    // Its files' ciphertext goes with its own, in the same transaction.
    const files = await deleteCiphertext(ctx, tx, { messageId: id }, 'revoked');
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: signedIn.actor.agencyId,
          action: 'share.message_revoked',
          subjectType: 'child',
          subjectId: message.childId,
          detail: { messageId: id, ...(files.ids.length ? { attachmentsDeleted: files.ids } : {}) },
        },
      ],
      now,
    );
    return files;
  });
  await deletion.afterCommit();
  ctx.notifier.toUsers(
    readers.map((d) => d.userId),
    'share:revoked',
    { messageId: id },
  );
}
