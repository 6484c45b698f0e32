import { chunkQuery, createAttachmentBody } from '../../attachments/attachments.schema';
import { type ApiOperation, byId, created, json, noContent } from '../api-operation';

/** The routes in server/attachments/attachments.routes.ts. */
export const attachmentsOperations: ApiOperation[] = [
  {
    method: 'post',
    path: '/attachments',
    tag: 'Attachments',
    summary:
      'Start uploading an encrypted file to a conversation I am in (`threadId`) or for a verbal share about a child (`childId`); `size` is its padded encrypted size (a Padmé bucket)',
    body: createAttachmentBody,
    ok: created(
      '`{ upload: { id, threadId, childId, size, received, complete, sent } }` (`threadId` null for a verbal share). 413 `attachment_too_large` (over HAVEN_MAX_ATTACHMENT_MB), `attachment_quota_exceeded`.',
    ),
  },
  {
    method: 'get',
    path: '/attachments/:id',
    tag: 'Attachments',
    summary: 'How far my upload got (to resume it), before it is sent',
    params: byId,
    ok: json('`{ upload }`; `received` is the offset the next chunk must start at.'),
  },
  {
    method: 'put',
    path: '/attachments/:id/chunks',
    tag: 'Attachments',
    summary:
      'Append encrypted bytes (raw body, `Content-Type: application/octet-stream`, at most 4 MiB) at `offset`, which must equal the bytes received so far',
    params: byId,
    query: chunkQuery,
    ok: json(
      '`{ upload }`. 409 `wrong_offset` with `received` when the offset is not where the upload stands (resend from there). A request sent before the answer to the one before it waits for that one while it is still being handled (docs/attachments.md).',
    ),
  },
  {
    method: 'post',
    path: '/attachments/:id/complete',
    tag: 'Attachments',
    summary: 'Finish an upload once every declared byte arrived (audited)',
    params: byId,
    ok: json('`{ upload }`. 409 `upload_incomplete`.'),
  },
  {
    method: 'post',
    path: '/attachments/:id/cancel',
    tag: 'Attachments',
    summary: 'Cancel my unsent upload: its encrypted bytes are deleted at once',
    params: byId,
    ok: noContent(),
  },
  {
    method: 'get',
    path: '/attachments/:id/content',
    tag: 'Attachments',
    summary: 'Download a file’s encrypted bytes, streamed (its uploader before it is sent; the message’s readers after); audited',
    params: byId,
    ok: {
      status: 200,
      description: 'The padded ciphertext; the browser decrypts it with the key in the signed envelope. 410 `attachment_deleted`.',
      media: 'bytes',
    },
  },
];
