// Moving encrypted files (docs/attachments.md): a file is encrypted here, 64 KiB at a time, and
// uploaded a few chunks per request at the offset the server has recorded; a dropped request is
// resumed from what the server says it stored. A download is decrypted as it streams in. Only
// ciphertext ever leaves this browser; the key, name and type go inside the signed message.
import type { AttachmentDescriptor } from '../../../crypto';
import { ApiError, get, getStream, post, putBytes, seg } from './api';
import { loadCrypto } from './keys.svelte';
import { forgetPendingUpload, keepPendingUpload } from './pending-uploads';
import type { PendingUpload, UploadTarget } from './pending-upload-rules';

/**
 * Bytes sent per request: about 3 MiB of 64 KiB chunks. Each request costs the server a commit,
 * so fewer, larger ones are faster (docs/performance.md); the server takes at most 4 MiB, and a
 * large file's padding, sent last, may be longer than that, so it goes in pieces.
 */
const REQUEST_BYTES = 3 * 1024 * 1024;
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;
const RETRIES = 5;

interface UploadState {
  id: string;
  size: number;
  received: number;
}

function joined(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A name the signed descriptor accepts: no slashes or control characters, 1 to 255 characters. */
export function safeFileName(name: string): string {
  const cleaned = [...name].map((c) => (c === '/' || c === '\\' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? '_' : c)).join('');
  return [...(cleaned || 'file')].slice(0, 255).join('');
}

/** The file's media type if it reads as one, else the neutral one. */
export function mediaType(type: string): string {
  return /^[\w.+-]+\/[\w.+-]+$/.test(type) && type.length <= 127 ? type : 'application/octet-stream';
}

export type { UploadTarget } from './pending-upload-rules';

/** A file to upload: one just chosen, or one whose upload the page closing cut off (kept in IndexedDB). */
export type UploadSource = { file: File; userId: string | null } | { resume: PendingUpload };

/** The upload as the server has it, for a file resumed after the page closed; refused clearly when it is gone. */
async function resumedUpload(id: string): Promise<UploadState> {
  try {
    return (await get<{ upload: UploadState }>(`/api/attachments/${seg(id)}`)).upload;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 410 || error.status === 403)) {
      // Deleted, swept, or already sent with a message: nothing here to resume.
      await forgetPendingUpload(id);
      throw new ApiError(
        error.status,
        'upload_gone',
        'This upload can no longer be resumed: Haven removed it (unsent uploads go after 24 hours). Attach the file again.',
      );
    }
    throw error;
  }
}

/**
 * Encrypts and uploads a file for the conversation or verbal share, reporting encrypted bytes
 * stored so far; `signal` cancels it (the server then deletes what arrived). Returns the
 * descriptor for the signed body. A new upload is kept in IndexedDB (pending-uploads.ts) until it
 * is sent, so that one cut off by the page closing can be resumed: the same key and header make
 * the same ciphertext again (crypto/attachment-stream.ts), the bytes the server holds are skipped
 * and the rest sent once.
 */
export async function uploadFile(
  source: UploadSource,
  target: UploadTarget,
  onProgress: (stored: number, total: number) => void,
  signal: AbortSignal,
): Promise<AttachmentDescriptor> {
  const crypto = await loadCrypto();
  const file: Blob = 'resume' in source ? source.resume.file : source.file;
  const name = 'resume' in source ? source.resume.name : source.file.name;
  const type = 'resume' in source ? source.resume.type : source.file.type;
  const created =
    'resume' in source ? null : (await post<{ upload: UploadState }>('/api/attachments', { ...target, size: crypto.attachmentPaddedBytes(file.size) })).upload;
  const id = created?.id ?? ('resume' in source ? source.resume.id : '');
  return withUploadLock(id, async (held) => {
    // Another tab of this browser is still sending this very upload: leave it to that tab.
    if (!held) throw new ApiError(409, 'upload_in_progress', 'This file is still uploading in another Haven tab or window of this browser.');
    // Where a resumed upload stands is asked only once this tab alone may send it.
    return sendUpload(created ?? (await resumedUpload(id)));
  });

  async function sendUpload(upload: UploadState): Promise<AttachmentDescriptor> {
    const path = `/api/attachments/${seg(upload.id)}`;
    try {
      const key = 'resume' in source ? source.resume.key : crypto.newAttachmentKey();
      const encryptor = new crypto.AttachmentEncryptor(key, upload.id, 'resume' in source ? source.resume.header : undefined);
      if (!('resume' in source) && source.userId) {
        await keepPendingUpload({
          id: upload.id,
          userId: source.userId,
          target,
          file,
          name,
          type,
          size: file.size,
          key,
          header: encryptor.header,
          startedAt: Date.now(),
        });
      }
      const count = crypto.attachmentChunkCount(file.size);
      let pending: Uint8Array[] = [encryptor.header];
      let pendingBytes = encryptor.header.length;
      // Bytes the server already holds (a resumed upload) are made again but not sent.
      const stored = upload.received;
      if (stored > 0) onProgress(stored, upload.size);
      let offset = 0;
      // One request in flight at a time (the server takes them in order), while the chunks of the
      // next one are read and encrypted.
      let inFlight: Promise<void> = Promise.resolve();
      const flush = async () => {
        const bytes = joined(pending);
        pending = [];
        pendingBytes = 0;
        const skip = Math.min(bytes.length, Math.max(0, stored - offset));
        offset += skip;
        for (let at = skip; at < bytes.length; at += MAX_REQUEST_BYTES) {
          const piece = bytes.subarray(at, at + MAX_REQUEST_BYTES);
          await inFlight;
          const start = offset;
          offset += piece.length;
          inFlight = putAt(path, start, piece, signal).then(() => onProgress(start + piece.length, upload.size));
          // A failure surfaces at the next await of inFlight, not as an unhandled rejection meanwhile.
          inFlight.catch(() => undefined);
        }
      };
      for (let i = 0; i < count; i++) {
        signal.throwIfAborted();
        const start = i * crypto.ATTACHMENT_CHUNK_BYTES;
        const plain = new Uint8Array(await file.slice(start, start + crypto.ATTACHMENT_CHUNK_BYTES).arrayBuffer());
        const last = i === count - 1;
        const cipher = encryptor.chunk(plain, last);
        pending.push(cipher);
        pendingBytes += cipher.length;
        if (last) {
          const padding = encryptor.padding();
          pending.push(padding);
          pendingBytes += padding.length;
        }
        if (pendingBytes >= REQUEST_BYTES || last) await flush();
      }
      await inFlight;
      await post(`${path}/complete`);
      return crypto.attachmentDescriptor({
        fileId: upload.id,
        key,
        name: safeFileName(name),
        type: mediaType(type),
        size: file.size,
        hash: encryptor.plaintextHash(),
      });
    } catch (error) {
      // Cancelled or failed for good: nothing half-stored is kept.
      await post(`${path}/cancel`).catch(() => undefined);
      await forgetPendingUpload(upload.id);
      throw error;
    }
  }
}

const lockName = (id: string) => `haven-upload-${id}`;

/**
 * Runs `work` holding this browser's lock on the upload (the Web Locks API, shared by every tab),
 * so that two tabs never send the same upload at once; `work` learns whether it got the lock.
 * Without the API (old browsers) it just runs.
 */
async function withUploadLock<T>(id: string, work: (held: boolean) => Promise<T>): Promise<T> {
  if (typeof navigator === 'undefined' || !('locks' in navigator)) return work(true);
  return navigator.locks.request(lockName(id), { ifAvailable: true }, (lock) => work(lock !== null));
}

/** Uploads another tab of this browser is sending now (not to be offered as interrupted). */
export async function uploadsInProgress(): Promise<string[]> {
  if (typeof navigator === 'undefined' || !('locks' in navigator)) return [];
  const { held = [] } = await navigator.locks.query();
  return held.flatMap((lock) => (lock.name?.startsWith('haven-upload-') ? [lock.name.slice('haven-upload-'.length)] : []));
}

/**
 * One request's bytes at `offset`. A request lost on the way (the connection dropped) is asked
 * about: if the server stored it, move on; if not, send it again; anything else is an error.
 */
async function putAt(path: string, offset: number, bytes: Uint8Array, signal: AbortSignal): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await putBytes(`${path}/chunks?offset=${offset}`, bytes, signal);
      return;
    } catch (error) {
      signal.throwIfAborted();
      const lost = error instanceof ApiError && (error.status === 0 || error.status >= 500 || error.code === 'wrong_offset');
      if (!lost || attempt >= RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      const { upload } = await get<{ upload: UploadState }>(path);
      if (upload.received === offset + bytes.length) return;
      if (upload.received !== offset) throw error;
    }
  }
}

/**
 * Downloads a file and decrypts it as it streams in, reporting encrypted bytes received. Resolves
 * with the plaintext only once the whole file checked out against the signed descriptor (size,
 * hash, final chunk); a tampered or cut file rejects with the decryptor's error, and nothing of it
 * is handed out.
 */
export async function downloadFile(
  descriptor: AttachmentDescriptor,
  onProgress: (received: number, total: number) => void,
  signal: AbortSignal,
): Promise<Blob> {
  const crypto = await loadCrypto();
  const total = crypto.attachmentPaddedBytes(descriptor.size);
  const decryptor = new crypto.AttachmentDecryptor(crypto.attachmentExpectation(descriptor));
  const reader = (await getStream(`/api/attachments/${seg(descriptor.fileId)}/content`, signal)).getReader();
  const parts: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.length;
    // Plaintext goes into Blob parts at once (the browser may keep large blobs on disk), not one big buffer.
    for (const part of decryptor.push(value)) parts.push(part);
    onProgress(received, total);
  }
  decryptor.finish();
  return new Blob(
    parts.map((p) => p.slice().buffer),
    { type: descriptor.type },
  );
}
