import type { SignedIn } from '../accounts/session-view';
import type { Database } from '../db';
import { ConflictError, NotFoundError } from '../errors';
import { canAttachToMessage, requireAllowed } from '../policy';
import type { ServiceContext } from '../shared/context';
import { factsOf, requireNotDeleted } from './attachment-facts';
import { findAttachments, linkToMessage } from './attachments.store';

/**
 * Before a message is stored: every upload it names exists, is the sender's own, for this
 * conversation, finished, unsent and not deleted. Checked again as they are tied (`linkUploads`).
 */
export async function requireAttachable(ctx: ServiceContext, signedIn: SignedIn, threadId: string, ids: string[]): Promise<void> {
  const rows = await findAttachments(ctx.db, ids);
  if (rows.length !== ids.length) throw new NotFoundError('attachment_not_found', 'A file attached to this message does not exist.');
  requireAllowed(canAttachToMessage(signedIn.actor, { threadId }, await Promise.all(rows.map((row) => factsOf(ctx.db, row)))));
  for (const row of rows) {
    requireNotDeleted(row);
    if (!row.completedAt) throw new ConflictError('upload_incomplete', 'A file attached to this message has not finished uploading.');
  }
}

/** Ties the uploads to the message in its transaction; all of them, or the message is not stored. */
export async function linkUploads(tx: Database, ids: string[], messageId: string): Promise<void> {
  if ((await linkToMessage(tx, ids, messageId)) !== ids.length) {
    throw new ConflictError('attachment_sent', 'A file attached to this message was sent with another message or deleted meanwhile.');
  }
}
