import { once } from 'node:events';
import express, { Router, type Request, type Response } from 'express';
import { requireSignedIn } from '../http/session';
import { ValidationError } from '../errors';
import { parseInput } from '../shared/parse-input';
import type { ServiceContext } from '../shared/context';
import { uuidParam } from '../shared/schemas';
import { chunkQuery, createAttachmentBody, MAX_CHUNK_REQUEST_BYTES } from './attachments.schema';
import { appendChunk, cancelUpload, completeUpload, createUpload, openDownload, uploadStatus } from './attachments.service';

/** The request body as raw bytes: only `application/octet-stream` is read as a chunk. */
function chunkBytes(req: Request): Uint8Array {
  const body: unknown = req.body;
  if (!req.is('application/octet-stream') || !(body instanceof Buffer)) {
    throw new ValidationError('Send the chunk as the raw request body, with Content-Type application/octet-stream.', [], 'chunk_not_bytes');
  }
  // A Buffer is a Uint8Array already: no copy.
  const bytes: Uint8Array = body;
  return bytes;
}

/**
 * Encrypted attachments (docs/attachments.md): start an upload, append chunks at the offset it has
 * reached (resumable), finish or cancel it, and download it streamed. The bytes are ciphertext:
 * the browser encrypts before upload and decrypts while downloading.
 */
export function attachmentRoutes(ctx: ServiceContext): Router {
  const router = Router();
  const attachmentId = (raw: unknown) => parseInput(uuidParam, raw, 'file id');
  const rawChunk = express.raw({ type: 'application/octet-stream', limit: MAX_CHUNK_REQUEST_BYTES });

  router.post('/attachments', async (req, res) => {
    const signedIn = requireSignedIn(req);
    res.status(201).json({ upload: await createUpload(ctx, signedIn, parseInput(createAttachmentBody, req.body, 'upload')) });
  });

  router.get('/attachments/:id', async (req, res) => {
    res.json({ upload: await uploadStatus(ctx, requireSignedIn(req), attachmentId(req.params.id)) });
  });

  router.put('/attachments/:id/chunks', rawChunk, async (req, res) => {
    const signedIn = requireSignedIn(req);
    const id = attachmentId(req.params.id);
    const { offset } = parseInput(chunkQuery, req.query, 'chunk position');
    res.json({ upload: await appendChunk(ctx, signedIn, id, offset, chunkBytes(req)) });
  });

  router.post('/attachments/:id/complete', async (req, res) => {
    res.json({ upload: await completeUpload(ctx, requireSignedIn(req), attachmentId(req.params.id)) });
  });

  router.post('/attachments/:id/cancel', async (req, res) => {
    await cancelUpload(ctx, requireSignedIn(req), attachmentId(req.params.id));
    res.status(204).end();
  });

  router.get('/attachments/:id/content', async (req, res) => {
    const download = await openDownload(ctx, requireSignedIn(req), attachmentId(req.params.id));
    res.status(200);
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', String(download.size));
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Disposition', 'attachment');
    try {
      for await (const piece of download.bytes) {
        if (res.destroyed) return;
        if (!res.write(piece)) await drainedOrClosed(res);
      }
      res.end();
    } catch (error) {
      if (!res.headersSent) {
        // Nothing sent yet (the first stored piece was missing or out of place): an ordinary error answer, logged.
        for (const header of ['Content-Type', 'Content-Length', 'Content-Disposition']) res.removeHeader(header);
        throw error;
      }
      // Headers are gone: the only honest signal left is a cut connection (the client's decryptor then refuses the file).
      res.destroy();
    }
  });

  return router;
}

/**
 * Waits until the response can take more, or is gone. The wait that did not happen is cancelled:
 * left pending, each would keep a 'close' and an 'error' listener on the response for the rest
 * of a download that waits hundreds of times.
 */
async function drainedOrClosed(res: Response): Promise<void> {
  const settled = new AbortController();
  try {
    await Promise.race([once(res, 'drain', { signal: settled.signal }), once(res, 'close', { signal: settled.signal })]);
  } finally {
    settled.abort();
  }
}
