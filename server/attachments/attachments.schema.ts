import { z } from 'zod';
import { uuidParam } from '../shared/schemas';

/** The most one chunk request may carry: a handful of the client's 64 KiB encrypted chunks. */
export const MAX_CHUNK_REQUEST_BYTES = 4 * 1024 * 1024;

/**
 * Starting an upload: what it is for — a conversation (`threadId`) or, for a verbal share, which
 * has none, the child (`childId`) — and its padded encrypted size (nothing about the file itself).
 */
export const createAttachmentBody = z
  .strictObject({
    threadId: uuidParam.optional(),
    childId: uuidParam.optional(),
    size: z.number().int('The size must be a whole number of bytes').positive('The size must be at least one byte').max(Number.MAX_SAFE_INTEGER),
  })
  .refine((body) => (body.threadId === undefined) !== (body.childId === undefined), {
    message: 'Name the conversation the file is for (threadId) or, for a verbal share, the child (childId): one of them',
    path: ['threadId'],
  });

/** Where a chunk goes: the byte offset the upload has reached (GET /api/attachments/:id says). */
export const chunkQuery = z.strictObject({
  offset: z
    .string()
    .regex(/^\d{1,15}$/, 'The offset must be a whole number of bytes')
    .transform((v) => Number(v)),
});

/** How an upload stands, for its uploader to resume it. */
export interface UploadStatus {
  id: string;
  /** Null for a file uploaded for a verbal share. */
  threadId: string | null;
  childId: string;
  /** The padded encrypted size declared at the start. */
  size: number;
  received: number;
  complete: boolean;
  sent: boolean;
}
