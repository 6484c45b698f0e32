import type { Database } from '../db';
import { GoneError, NotFoundError } from '../errors';
import type { AttachmentFacts } from '../policy';
import type { ServiceContext } from '../shared/context';
import { deliveriesOfMessage } from '../shares/messages.store';
import { readersOfShare } from '../shares/shares.store';
import type { UploadStatus } from './attachments.schema';
import { findAttachment, type AttachmentRow, type DeletedBecause } from './attachments.store';

// What the attachment services share: an upload as its owner sees it, as policy sees it, and the checks every route starts with.

export function statusOf(row: AttachmentRow): UploadStatus {
  return {
    id: row.id,
    threadId: row.threadId,
    childId: row.childId,
    size: row.size,
    received: row.received,
    complete: row.completedAt !== null,
    sent: row.messageId !== null || row.shareId !== null,
  };
}

/** A message's readers are those holding a copy; a verbal share's, its sender and each Haven user who took part (its summary's readers). */
export async function factsOf(db: Database, row: AttachmentRow): Promise<AttachmentFacts> {
  const readerIds = row.messageId
    ? (await deliveriesOfMessage(db, row.messageId)).map((d) => d.userId)
    : row.shareId
      ? await readersOfShare(db, row.shareId)
      : [];
  return { uploaderId: row.uploaderId, threadId: row.threadId, childId: row.childId, messageId: row.messageId, shareId: row.shareId, readerIds };
}

export async function requireAttachment(ctx: ServiceContext, id: string): Promise<AttachmentRow> {
  const row = await findAttachment(ctx.db, id);
  if (!row) throw new NotFoundError('attachment_not_found', 'There is no such file.');
  return row;
}

export function requireNotDeleted(row: AttachmentRow): void {
  if (row.deletedAt) {
    const why = {
      cancelled: 'Its upload was cancelled.',
      revoked: 'The message it was attached to was revoked.',
      never_sent: 'It was never sent, and unsent uploads are deleted after 24 hours.',
      retention: 'It was destroyed under the retention schedule.',
    }[row.deletedBecause as DeletedBecause];
    throw new GoneError('attachment_deleted', `This file has been deleted. ${why ?? ''}`.trim());
  }
}
