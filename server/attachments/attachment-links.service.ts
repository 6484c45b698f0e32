import type { SignedIn } from '../accounts/session-view';
import type { Database } from '../db';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { canAttachToMessage, canAttachToVerbalShare, requireAllowed, type AttachmentFacts, type Decision } from '../policy';
import type { ServiceContext } from '../shared/context';
import { factsOf, requireNotDeleted } from './attachment-facts';
import { findAttachments, linkToMessage, linkToShare } from './attachments.store';

/** The signed share record of anything carrying files must say documents were shared (docs/attachments.md). */
export function requireDocumentsNamed(record: unknown, path: string, what: string): void {
  const kinds = (record as { kindsOfInformation?: unknown } | undefined)?.kindsOfInformation;
  if (!Array.isArray(kinds) || !kinds.includes('documents')) {
    throw new ValidationError(`A ${what} with files must name "documents" among the kinds of information in its share record.`, [
      { path, message: 'Add documents' },
    ]);
  }
}

/** Every upload named exists, passes `decide`, is finished and not deleted. Checked again as they are tied. */
async function requireUploads(ctx: ServiceContext, ids: string[], what: string, decide: (facts: AttachmentFacts[]) => Decision): Promise<void> {
  const rows = await findAttachments(ctx.db, ids);
  if (rows.length !== ids.length) throw new NotFoundError('attachment_not_found', `A file attached to this ${what} does not exist.`);
  requireAllowed(decide(await Promise.all(rows.map((row) => factsOf(ctx.db, row)))));
  for (const row of rows) {
    requireNotDeleted(row);
    if (!row.completedAt) throw new ConflictError('upload_incomplete', `A file attached to this ${what} has not finished uploading.`);
  }
}

/**
 * Before a message is stored: every upload it names exists, is the sender's own, for this
 * conversation, finished, unsent and not deleted. Checked again as they are tied (`linkUploads`).
 */
export async function requireAttachable(ctx: ServiceContext, signedIn: SignedIn, threadId: string, ids: string[]): Promise<void> {
  await requireUploads(ctx, ids, 'message', (facts) => canAttachToMessage(signedIn.actor, { threadId }, facts));
}

/** Before a verbal share is logged: the same, for uploads made for a verbal share about this child (`linkUploadsToShare`). */
export async function requireAttachableToVerbalShare(ctx: ServiceContext, signedIn: SignedIn, childId: string, ids: string[]): Promise<void> {
  await requireUploads(ctx, ids, 'share', (facts) => canAttachToVerbalShare(signedIn.actor, { childId }, facts));
}

/** Ties the uploads to the message in its transaction; all of them, or the message is not stored. */
export async function linkUploads(tx: Database, ids: string[], messageId: string): Promise<void> {
  if ((await linkToMessage(tx, ids, messageId)) !== ids.length) {
    throw new ConflictError('attachment_sent', 'A file attached to this message was sent with another message or deleted meanwhile.');
  }
}

/** Ties the uploads to the verbal share in its transaction; all of them, or the share is not logged. */
export async function linkUploadsToShare(tx: Database, ids: string[], shareId: string): Promise<void> {
  if ((await linkToShare(tx, ids, shareId)) !== ids.length) {
    throw new ConflictError('attachment_sent', 'A file attached to this share was sent with another message or share, or deleted meanwhile.');
  }
}
