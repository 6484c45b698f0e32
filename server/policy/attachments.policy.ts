import { canShare, canUseConversations, canUseThread } from './shares.policy';
import { allow, deny, type Actor, type AgencyFacts, type Decision } from './types';

/** An upload as policy sees it: who made it and, once sent, who may read the message it belongs to. */
export interface AttachmentFacts {
  uploaderId: string;
  threadId: string;
  /** Null until the upload is attached to a sent message. */
  messageId: string | null;
  /** The message's readers (its sender and recipients); empty while unattached. */
  readerIds: readonly string[];
}

/** Uploading a file is the first step of sharing it: only someone who may share, into a conversation they are in. */
export function canUploadAttachment(actor: Actor, agency: AgencyFacts | null, thread: { participantIds: readonly string[] }): Decision {
  const may = canShare(actor, agency);
  if (!may.allow) return may;
  return canUseThread(actor, thread);
}

/** Adding chunks, finishing, cancelling or asking how far an upload got: its uploader only, and only before it is sent. */
export function canWriteAttachment(actor: Actor, upload: AttachmentFacts): Decision {
  const standing = canUseConversations(actor);
  if (!standing.allow) return standing;
  if (upload.uploaderId !== actor.id) return deny('not_the_uploader', 'This upload is someone else’s.');
  if (upload.messageId !== null) return deny('attachment_sent', 'This file is already attached to a sent message, so it cannot be changed.');
  return allow;
}

/** Reading a file: before it is sent, its uploader; after, exactly the readers of its message. */
export function canDownloadAttachment(actor: Actor, upload: AttachmentFacts): Decision {
  const standing = canUseConversations(actor);
  if (!standing.allow) return standing;
  if (upload.messageId === null) return upload.uploaderId === actor.id ? allow : deny('not_a_reader', 'Only the readers of a message can open its files.');
  return upload.readerIds.includes(actor.id) ? allow : deny('not_a_reader', 'Only the readers of a message can open its files.');
}

/** A message carries only its sender's own finished uploads, made for the same conversation. */
export function canAttachToMessage(actor: Actor, message: { threadId: string }, uploads: readonly AttachmentFacts[]): Decision {
  for (const upload of uploads) {
    if (upload.uploaderId !== actor.id) return deny('not_the_uploader', 'A message can carry only files you uploaded yourself.');
    if (upload.threadId !== message.threadId) return deny('attachment_other_thread', 'A file uploaded for another conversation cannot be attached here.');
    if (upload.messageId !== null) return deny('attachment_sent', 'This file is already attached to another message.');
  }
  return allow;
}
