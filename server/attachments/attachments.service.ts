import type { z } from 'zod';
import { attachmentPaddedBytes, padmeBucket } from '../../crypto';
import type { SignedIn } from '../accounts/session-view';
import { appendAuditEntries } from '../audit';
import { agencyOf, visibleChild } from '../children/children.service';
import { caseOfficerIds } from '../offending/offending.store';
import { isForeignKeyViolation, isUniqueViolation } from '../db/unique-violation';
import { ConflictError, TooLargeError, ValidationError } from '../errors';
import { canDownloadAttachment, canUploadAttachment, canUploadForVerbalShare, canWriteAttachment, requireAllowed } from '../policy';
import type { ServiceContext } from '../shared/context';
import { requireThread } from '../shares/threads.service';
import { deleteCiphertext } from './attachment-deletion.service';
import { factsOf, requireAttachment, requireNotDeleted, statusOf } from './attachment-facts';
import { MAX_CHUNK_REQUEST_BYTES, type createAttachmentBody, type UploadStatus } from './attachments.schema';
import { advanceReceived, bytesHeldBy, findAttachment, insertAttachment, lockQuotaOf, markCompleted, type AttachmentRow } from './attachments.store';
import { blobStores, type BlobStore } from './blob-store';
import { earlierAppend, earlierAppendFinished, trackAppend } from './upload-waits';

const MIB = 1024 * 1024;

/** What an upload is for: a conversation, or a verbal share about a child (which has no conversation). */
async function uploadTarget(
  ctx: ServiceContext,
  signedIn: SignedIn,
  body: z.infer<typeof createAttachmentBody>,
): Promise<{ threadId: string | null; childId: string }> {
  if (body.threadId !== undefined) {
    const { thread, participantIds } = await requireThread(ctx, signedIn, body.threadId);
    requireAllowed(canUploadAttachment(signedIn.actor, agencyOf(signedIn), { participantIds }));
    return { threadId: thread.id, childId: thread.childId };
  }
  if (body.childId === undefined) throw new Error('the schema lets through only a thread or a child');
  const { child } = await visibleChild(ctx, signedIn, body.childId);
  const offendingRisk = child.offendingRiskMarkedAt !== null;
  const caseOfficers = offendingRisk ? await caseOfficerIds(ctx.db, child.id) : [];
  requireAllowed(canUploadForVerbalShare(signedIn.actor, agencyOf(signedIn), { offendingRisk, caseOfficerIds: caseOfficers }));
  return { threadId: null, childId: child.id };
}

/**
 * Starts an upload of one encrypted file to a conversation, or for a verbal share about a child.
 * The size is the padded encrypted size (a Padmé bucket): the server never learns the exact size,
 * name or type. Space is reserved against the uploader's quota at once, so concurrent uploads
 * cannot overrun it.
 */
export async function createUpload(ctx: ServiceContext, signedIn: SignedIn, body: z.infer<typeof createAttachmentBody>): Promise<UploadStatus> {
  const target = await uploadTarget(ctx, signedIn, body);
  const maxBytes = attachmentPaddedBytes(ctx.config.HAVEN_MAX_ATTACHMENT_MB * MIB);
  if (body.size > maxBytes) {
    throw new TooLargeError('attachment_too_large', `A file can be at most ${ctx.config.HAVEN_MAX_ATTACHMENT_MB} MB.`);
  }
  if (body.size < attachmentPaddedBytes(0) || padmeBucket(body.size) !== body.size) {
    throw new ValidationError('The size must be the padded size of an encrypted file (docs/attachments.md).', [
      { path: 'size', message: 'Send the padded encrypted size' },
    ]);
  }
  const quota = ctx.config.HAVEN_ATTACHMENT_QUOTA_MB * MIB;
  const store = blobStores(ctx.config).current;
  const row = await ctx.db.transaction(async (tx) => {
    await lockQuotaOf(tx, signedIn.actor.id);
    if ((await bytesHeldBy(tx, signedIn.actor.id)) + body.size > quota) {
      throw new TooLargeError(
        'attachment_quota_exceeded',
        `This file would take you over your storage allowance of ${ctx.config.HAVEN_ATTACHMENT_QUOTA_MB} MB. Files of revoked messages and cancelled uploads no longer count.`,
      );
    }
    return insertAttachment(tx, {
      uploaderId: signedIn.actor.id,
      threadId: target.threadId,
      childId: target.childId,
      size: body.size,
      store: store.kind,
      createdAt: ctx.clock(),
    });
  });
  return statusOf(row);
}

/** How far an upload got, so an interrupted one resumes from the last stored byte. */
export async function uploadStatus(ctx: ServiceContext, signedIn: SignedIn, id: string): Promise<UploadStatus> {
  const row = await requireAttachment(ctx, id);
  requireAllowed(canWriteAttachment(signedIn.actor, await factsOf(ctx.db, row)));
  requireNotDeleted(row);
  return statusOf(row);
}

/**
 * Appends encrypted bytes at `offset`, which must be exactly where the upload stands: the length
 * and the bytes commit together or not at all, so a request cut at any byte stores nothing, and of
 * several writers at one offset exactly one succeeds. A request that arrives while the one for the
 * bytes before it is still being handled here (the client sent it before that one's answer) waits
 * for it to finish before its offset is checked (upload-waits.ts): in PostgreSQL, writing its
 * bytes meanwhile (writeThenAdvance); on disk, before writing, then checked again from the start.
 */
export function appendChunk(ctx: ServiceContext, signedIn: SignedIn, id: string, offset: number, bytes: Uint8Array): Promise<UploadStatus> {
  // Tracked before the first await: a request for the bytes after these, arriving later, must find it.
  return trackAppend(id, offset + bytes.length, (writing) => append(ctx, signedIn, id, offset, bytes, true, writing));
}

async function append(
  ctx: ServiceContext,
  signedIn: SignedIn,
  id: string,
  offset: number,
  bytes: Uint8Array,
  mayWait: boolean,
  writing: () => void,
): Promise<UploadStatus> {
  const row = await requireAttachment(ctx, id);
  requireAllowed(canWriteAttachment(signedIn.actor, await factsOf(ctx.db, row)));
  requireNotDeleted(row);
  if (bytes.length === 0) throw new ValidationError('The chunk is empty.', [], 'empty_chunk');
  if (row.completedAt) throw new ConflictError('upload_complete', 'This upload is already complete.');
  if (offset + bytes.length > row.size) {
    throw new ValidationError(
      'The chunk goes past the size declared for this file.',
      [{ path: 'offset', message: 'Stay within the declared size' }],
      'chunk_past_end',
    );
  }
  const store = blobStores(ctx.config).of(row.store);
  if (store.transactional) return answerAppend(ctx, id, await writeThenAdvance(ctx, store, row, offset, bytes, writing));
  // Files are written in place, outside the transaction: only the request that advanced the offset
  // may write, so it advances first, once the append before it is done.
  if (mayWait && row.received < offset && (await earlierAppendFinished(id, offset))) return append(ctx, signedIn, id, offset, bytes, false, writing);
  const advanced = await ctx.db.transaction(async (tx) => {
    const after = await advanceReceived(tx, id, offset, bytes.length);
    if (after) await store.write(tx, id, offset, bytes);
    return after;
  });
  return answerAppend(ctx, id, advanced);
}

/**
 * The upload as it stands after this append; if the append stored nothing, why: 404 or 410 when
 * the upload was destroyed or deleted meanwhile, as for a request arriving after that, otherwise
 * 409 `wrong_offset` saying where it stands.
 */
async function answerAppend(ctx: ServiceContext, id: string, advanced: AttachmentRow | undefined): Promise<UploadStatus> {
  if (advanced) return statusOf(advanced);
  const now = await requireAttachment(ctx, id);
  requireNotDeleted(now);
  const error = new ConflictError('wrong_offset', `This upload stands at byte ${now.received}; send the chunk that starts there.`);
  error.extra = { received: now.received };
  throw error;
}

/** The offset was not where the request started: its transaction, with the bytes it wrote, is rolled back. */
class NotAdvanced extends Error {}

/**
 * For a store that writes in the transaction (PostgreSQL rows): the bytes first, so that this
 * request writes while the request before it may still be writing its own (two transactions
 * writing at once get through PostgreSQL faster than one after the other, docs/performance.md),
 * then, once that request is done, the offset. Undefined, with nothing stored, when the upload was
 * not at `offset` (or was finished, or deleted), or when another writer stored a chunk at the same
 * offset first (its row's key is the offset: the second waits for the first, then is refused), or
 * when the upload itself was deleted meanwhile. A
 * request behind the upload, or ahead of it with no earlier append here to wait for, is refused
 * without writing anything.
 */
async function writeThenAdvance(
  ctx: ServiceContext,
  store: BlobStore,
  row: AttachmentRow,
  offset: number,
  bytes: Uint8Array,
  writing: () => void,
): Promise<AttachmentRow | undefined> {
  let earlier: Awaited<ReturnType<typeof earlierAppend>>;
  if (offset !== row.received) {
    earlier = offset > row.received && offset - row.received <= MAX_CHUNK_REQUEST_BYTES ? await earlierAppend(row.id, offset) : undefined;
    // None to wait for: it may have finished since the upload was read.
    if (!earlier && (await findAttachment(ctx.db, row.id))?.received !== offset) return undefined;
    // The earlier one's transaction first: this one then never holds a connection the earlier one still waits for.
    await earlier?.writing;
  }
  try {
    return await ctx.db.transaction(async (tx) => {
      writing();
      await store.write(tx, row.id, offset, bytes);
      await earlier?.finished;
      const after = await advanceReceived(tx, row.id, offset, bytes.length);
      if (!after) throw new NotAdvanced();
      return after;
    });
  } catch (error) {
    // A foreign-key violation: the upload's row was deleted (retention destroyed the child's files)
    // after this request's checks read it; answerAppend then finds it gone and answers 404.
    if (error instanceof NotAdvanced || isUniqueViolation(error) || isForeignKeyViolation(error)) return undefined;
    throw error;
  }
}

/** Finishes an upload once every declared byte arrived; audited as the upload. */
export async function completeUpload(ctx: ServiceContext, signedIn: SignedIn, id: string): Promise<UploadStatus> {
  const row = await requireAttachment(ctx, id);
  requireAllowed(canWriteAttachment(signedIn.actor, await factsOf(ctx.db, row)));
  requireNotDeleted(row);
  if (row.completedAt) return statusOf(row);
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    if (!(await markCompleted(tx, id, now))) {
      const current = await findAttachment(tx, id);
      if (current?.completedAt) return;
      throw new ConflictError('upload_incomplete', `Only ${current?.received ?? 0} of ${row.size} bytes have arrived; send the rest first.`);
    }
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: signedIn.actor.agencyId,
          action: 'attachment.uploaded',
          subjectType: 'child',
          subjectId: row.childId,
          detail: { attachmentId: id, ...(row.threadId ? { threadId: row.threadId } : {}), bytes: row.size },
        },
      ],
      now,
    );
  });
  return statusOf(await requireAttachment(ctx, id));
}

/** The uploader abandons an unsent upload: its ciphertext goes at once and no longer counts against the quota. */
export async function cancelUpload(ctx: ServiceContext, signedIn: SignedIn, id: string): Promise<void> {
  const row = await requireAttachment(ctx, id);
  requireAllowed(canWriteAttachment(signedIn.actor, await factsOf(ctx.db, row)));
  if (row.deletedAt) return;
  const done = await ctx.db.transaction(async (tx) => {
    const deletion = await deleteCiphertext(ctx, tx, { ids: [id], onlyUnsent: true }, 'cancelled');
    if (deletion.ids.length) {
      await appendAuditEntries(
        tx,
        [
          {
            actorId: signedIn.actor.id,
            agencyId: signedIn.actor.agencyId,
            action: 'attachment.cancelled',
            subjectType: 'child',
            subjectId: row.childId,
            detail: { attachmentId: id, ...(row.threadId ? { threadId: row.threadId } : {}) },
          },
        ],
        ctx.clock(),
      );
    }
    return deletion;
  });
  await done.afterCommit();
  // Nothing deleted: sent (or deleted) by a request that committed while this one waited for its row.
  if (!done.ids.length) {
    const now = await requireAttachment(ctx, id);
    requireAllowed(canWriteAttachment(signedIn.actor, await factsOf(ctx.db, now)));
  }
}

/**
 * Opens a finished file for one of its readers: the download is audited before the first byte, and
 * the bytes come a stored piece at a time (never the whole file in memory).
 */
export async function openDownload(ctx: ServiceContext, signedIn: SignedIn, id: string): Promise<{ size: number; bytes: AsyncIterable<Uint8Array> }> {
  const row = await requireAttachment(ctx, id);
  requireAllowed(canDownloadAttachment(signedIn.actor, await factsOf(ctx.db, row)));
  requireNotDeleted(row);
  if (!row.completedAt) throw new ConflictError('upload_incomplete', 'This file has not finished uploading.');
  await appendAuditEntries(
    ctx.db,
    [
      {
        actorId: signedIn.actor.id,
        agencyId: signedIn.actor.agencyId,
        action: 'attachment.downloaded',
        subjectType: 'child',
        subjectId: row.childId,
        detail: {
          attachmentId: id,
          ...(row.threadId ? { threadId: row.threadId } : {}),
          ...(row.messageId ? { messageId: row.messageId } : {}),
          ...(row.shareId ? { shareId: row.shareId } : {}),
        },
      },
    ],
    ctx.clock(),
  );
  return { size: row.size, bytes: blobStores(ctx.config).of(row.store).read(ctx.db, id, row.size) };
}
