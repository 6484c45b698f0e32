import { canShare, canUseConversations, canUseThread } from './shares.policy';
import { canShareInCase } from './offending.policy';
import { allow, deny, type Actor, type AgencyFacts, type Decision } from './types';

/** An upload as policy sees it: who made it, for what, and, once sent, who may read what it belongs to. */
export interface AttachmentFacts {
  uploaderId: string;
  /** The conversation it was uploaded for; null for a file uploaded for a verbal share. */
  threadId: string | null;
  childId: string;
  /** Null until the upload is attached to a sent message. */
  messageId: string | null;
  /** Null until the upload is logged with a verbal share. */
  shareId: string | null;
  /** The readers of its message (sender and recipients) or verbal share (sender and Haven participants); empty while unsent. */
  readerIds: readonly string[];
}

const isSent = (upload: AttachmentFacts): boolean => upload.messageId !== null || upload.shareId !== null;

/** Uploading a file is the first step of sharing it: only someone who may share, into a conversation they are in. */
export function canUploadAttachment(actor: Actor, agency: AgencyFacts | null, thread: { participantIds: readonly string[] }): Decision {
  const may = canShare(actor, agency);
  if (!may.allow) return may;
  return canUseThread(actor, thread);
}

/**
 * Uploading a file for a verbal share about a child (the caller has checked the child is visible
 * to the actor): only someone who may share and, for a child at risk of offending, a designated
 * officer who may share in the case. The share itself is checked again when it is logged.
 */
export function canUploadForVerbalShare(
  actor: Actor,
  agency: AgencyFacts | null,
  child: { offendingRisk: boolean; caseOfficerIds: readonly string[] },
): Decision {
  const may = canShare(actor, agency);
  if (!may.allow) return may;
  return child.offendingRisk ? canShareInCase(actor, child.caseOfficerIds) : allow;
}

/** Adding chunks, finishing, cancelling or asking how far an upload got: its uploader only, and only before it is sent. */
export function canWriteAttachment(actor: Actor, upload: AttachmentFacts): Decision {
  const standing = canUseConversations(actor);
  if (!standing.allow) return standing;
  if (upload.uploaderId !== actor.id) return deny('not_the_uploader', 'This upload is someone else’s.');
  if (isSent(upload)) return deny('attachment_sent', 'This file is already attached to a sent message or a logged share, so it cannot be changed.');
  return allow;
}

/** Reading a file: before it is sent, its uploader; after, exactly the readers of its message or verbal share. */
export function canDownloadAttachment(actor: Actor, upload: AttachmentFacts): Decision {
  const standing = canUseConversations(actor);
  if (!standing.allow) return standing;
  if (!isSent(upload)) return upload.uploaderId === actor.id ? allow : deny('not_a_reader', 'Only the readers of a message can open its files.');
  return upload.readerIds.includes(actor.id) ? allow : deny('not_a_reader', 'Only the readers of a message can open its files.');
}

/** A message carries only its sender's own finished uploads, made for the same conversation. */
export function canAttachToMessage(actor: Actor, message: { threadId: string }, uploads: readonly AttachmentFacts[]): Decision {
  for (const upload of uploads) {
    if (upload.uploaderId !== actor.id) return deny('not_the_uploader', 'A message can carry only files you uploaded yourself.');
    if (upload.threadId !== message.threadId) return deny('attachment_other_thread', 'A file uploaded for another conversation cannot be attached here.');
    if (isSent(upload)) return deny('attachment_sent', 'This file is already attached to another message.');
  }
  return allow;
}

/** A verbal share carries only its recorder's own uploads, made for a verbal share about the same child. */
export function canAttachToVerbalShare(actor: Actor, share: { childId: string }, uploads: readonly AttachmentFacts[]): Decision {
  for (const upload of uploads) {
    if (upload.uploaderId !== actor.id) return deny('not_the_uploader', 'A verbal share can carry only files you uploaded yourself.');
    if (upload.threadId !== null) return deny('attachment_other_thread', 'A file uploaded for a conversation cannot be attached to a verbal share.');
    if (upload.childId !== share.childId) return deny('attachment_other_child', 'A file uploaded for a share about another child cannot be attached here.');
    if (isSent(upload)) return deny('attachment_sent', 'This file is already attached to another message or share.');
  }
  return allow;
}
