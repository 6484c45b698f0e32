import { checkKeyGrantFits, CryptoError, fromBase64Url, parseEnvelope, parseKeyGrant, verifyKeyGrant, type KeyGrant } from '../../crypto';
import type { SignedIn } from '../accounts/session-view';
import { appendAuditEntries } from '../audit';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors';
import { keysOfUsers } from '../keys/keys.store';
import { canAskForRecordKey, canGrantRecordKey, requireAllowed } from '../policy';
import type { ServiceContext } from '../shared/context';
import { appendKeyGrant, deliveriesOfMessage, findMessage } from './messages.store';
import { requireThread } from './threads.service';

function grantOf(raw: unknown): KeyGrant {
  try {
    return parseKeyGrant(raw);
  } catch (error) {
    if (error instanceof CryptoError) throw new ValidationError(`The key grant is not valid: ${error.message}`, [], 'malformed_grant');
    throw error;
  }
}

/**
 * Stores a key grant (crypto/key-grant.ts): a written record's message key wrapped for an officer
 * its signed header left waiting, now that they have keys. Accepted only from an officer on the
 * case whom the header names as a reader, for a reader it names as pending and who has no grant
 * yet, at both people's current keys and with the granter's valid signature over this exact
 * envelope. Audited; everyone with a copy of the record is told (`share:granted`).
 */
export async function grantRecordKey(ctx: ServiceContext, signedIn: SignedIn, raw: unknown): Promise<{ messageId: string; userId: string }> {
  const grant = grantOf(raw);
  const message = await findMessage(ctx.db, grant.messageId);
  if (!message) throw new NotFoundError('message_not_found', 'There is no such written record.');
  const { participantIds } = await requireThread(ctx, signedIn, message.threadId);
  if (!message.envelope) throw new ConflictError('already_revoked', 'This written record was revoked.');
  const envelope = parseEnvelope(message.envelope);
  const { header } = envelope;
  requireAllowed(
    canGrantRecordKey(
      signedIn.actor,
      {
        senderId: header.senderId,
        recipientIds: header.recipients.map((r) => r.userId),
        pending: header.v === 3 ? header.pending : [],
        granted: message.keyGrants.map((g) => String(g['userId'])),
        participantIds,
      },
      grant,
    ),
  );
  try {
    checkKeyGrantFits(envelope, grant);
  } catch (error) {
    if (error instanceof CryptoError) throw new ValidationError(`The key grant does not fit this record: ${error.message}`, [], 'malformed_grant');
    throw error;
  }
  const keys = new Map((await keysOfUsers(ctx.db, [signedIn.actor.id, grant.userId])).map((k) => [k.userId, k]));
  const mine = keys.get(signedIn.actor.id);
  if (!mine || mine.fingerprint !== grant.granterKeyFingerprint) {
    throw new ConflictError('sender_key_changed', 'Your keys on this device are not your published keys. Restore your keys first.');
  }
  if (keys.get(grant.userId)?.fingerprint !== grant.keyFingerprint) {
    throw new ConflictError('recipient_key_changed', 'That officer’s keys have changed. Check them, then try again.');
  }
  try {
    verifyKeyGrant(grant, { signPublicKey: fromBase64Url(mine.signPublicKey), fingerprint: mine.fingerprint });
  } catch {
    throw new ForbiddenError('signature_invalid', 'The key grant’s signature does not match your keys. It was not stored.');
  }
  const now = ctx.clock();
  const stored = { ...grant } as Record<string, unknown>;
  await ctx.db.transaction(async (tx) => {
    if (!(await appendKeyGrant(tx, message.id, grant.userId, stored))) throw new ConflictError('already_granted', 'That officer can already open this record.');
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: signedIn.actor.agencyId,
          action: 'share.record_key_granted',
          subjectType: 'child',
          subjectId: message.childId,
          detail: { messageId: message.id, threadId: message.threadId, userId: grant.userId },
        },
      ],
      now,
    );
  });
  const readers = await deliveriesOfMessage(ctx.db, message.id);
  ctx.notifier.toUsers(
    readers.map((d) => d.userId),
    'share:granted',
    { messageId: message.id, grant: stored },
  );
  return { messageId: message.id, userId: grant.userId };
}

/**
 * An officer a written record waits for, now with keys, asks the officers who can read it (its
 * author and recipients, as its signed header names them) to share it: their open special files
 * make the key grant (share:grant-wanted, ids only). Nothing is stored.
 */
export async function askForRecordKey(ctx: ServiceContext, signedIn: SignedIn, messageId: string): Promise<{ asked: string[] }> {
  const message = await findMessage(ctx.db, messageId);
  if (!message) throw new NotFoundError('message_not_found', 'There is no such written record.');
  const { participantIds } = await requireThread(ctx, signedIn, message.threadId);
  if (!message.envelope) throw new ConflictError('already_revoked', 'This written record was revoked.');
  const { header } = parseEnvelope(message.envelope);
  requireAllowed(
    canAskForRecordKey(signedIn.actor, {
      pending: header.v === 3 ? header.pending : [],
      granted: message.keyGrants.map((g) => String(g['userId'])),
      participantIds,
    }),
  );
  if (!(await keysOfUsers(ctx.db, [signedIn.actor.id])).length) {
    throw new ConflictError('no_keys', 'Set up your encryption keys first: the record is shared with your keys.');
  }
  const readers = [header.senderId, ...header.recipients.map((r) => r.userId)].filter((id) => participantIds.includes(id));
  ctx.notifier.toUsers(readers, 'share:grant-wanted', { messageId: message.id, threadId: message.threadId });
  return { asked: readers };
}
