// Moving encrypted files (docs/attachments.md): a file is encrypted here, 64 KiB at a time, and
// uploaded a few chunks per request at the offset the server has recorded (chunk-sender.ts); a
// dropped request is resumed from what the server says it stored, and a connection that stays
// down leaves the upload interrupted, to resume. A download is decrypted as it streams in. Only
// ciphertext ever leaves this browser; the key, name and type go inside the signed message.
import type { AttachmentDescriptor } from '../../../crypto';
import { ApiError, get, getStream, post, putBytes, seg } from './api';
import { loadCrypto } from './keys.svelte';
import { ChunkSender, ConnectionLost } from './chunk-sender';
import { forgetPendingUpload, keepPendingUpload } from './pending-uploads';
import {
  damagedMessage,
  discardCancelsOnServer,
  goneReason,
  recordProblems,
  refusalMessage,
  resumeRefusal,
  type PendingUpload,
  type ServerUpload,
  type UploadTarget,
} from './pending-upload-rules';

/**
 * Bytes sent per request: about 3 MiB of 64 KiB chunks. Each request costs the server a commit,
 * so fewer, larger ones are faster (docs/performance.md); the server takes at most 4 MiB, and a
 * large file's padding, sent last, may be longer than that, so it goes in pieces.
 */
const REQUEST_BYTES = 3 * 1024 * 1024;
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

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

/** A file to upload: one just chosen, or one whose upload was cut off (by the page closing or a lost connection; kept in IndexedDB). */
export type UploadSource = { file: File; userId: string | null } | { resume: PendingUpload };

/**
 * A kept upload that may only be discarded: the server's upload is gone, sent, someone else's, or
 * not the one the record describes (discardKeptUpload then decides whether to cancel it there).
 */
export class ResumeRefused extends Error {
  override readonly name = 'ResumeRefused';
}

/** The connection dropped, or the server failed: it may or may not have stored the request. */
function isLost(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status >= 500);
}

const statusPath = (id: string) => `/api/attachments/${seg(id)}`;

/**
 * Where the kept upload stands on the server, once it is checked to be the upload the record
 * describes (pending-upload-rules.ts); refused clearly otherwise. A lost connection is just that.
 */
async function resumedUpload(record: PendingUpload, paddedSize: number): Promise<ServerUpload> {
  // Read back whole when offered, but checked again: the same key and header must never meet other bytes.
  const problems = recordProblems(record, record.id);
  if (problems.length) throw new ResumeRefused(damagedMessage({ problems }));
  let server: ServerUpload;
  try {
    server = (await get<{ upload: ServerUpload }>(statusPath(record.id))).upload;
  } catch (error) {
    const gone = error instanceof ApiError ? goneReason(error.status, error.code) : null;
    if (gone) throw new ResumeRefused(refusalMessage(gone));
    throw error;
  }
  const refusal = resumeRefusal(record, paddedSize, server);
  if (refusal) throw new ResumeRefused(refusalMessage(refusal));
  return server;
}

/** What an upload reports as it goes. */
export interface UploadEvents {
  /** Encrypted bytes the server holds, of its padded size. */
  progress(stored: number, total: number): void;
  /** The record that resumes this upload (kept in IndexedDB too, when the person is known). */
  started(record: PendingUpload): void;
}

/**
 * Encrypts and uploads a file for the conversation or verbal share, reporting encrypted bytes
 * stored so far; `signal` cancels it (the server then deletes what arrived, and the record goes).
 * Returns the descriptor for the signed body. A new upload is kept in IndexedDB (pending-uploads.ts)
 * until it is sent, so that one cut off can be resumed: the same key and header make the same
 * ciphertext again (crypto/attachment-stream.ts), the bytes the server holds are skipped and the
 * rest sent once. A lost connection rejects with `ConnectionLost` and leaves both the record and
 * what the server holds; a kept upload that does not match the server's rejects with
 * `ResumeRefused` before anything is encrypted. Only cancelling (or discarding) deletes.
 */
export async function uploadFile(source: UploadSource, target: UploadTarget, events: UploadEvents, signal: AbortSignal): Promise<AttachmentDescriptor> {
  const crypto = await loadCrypto();
  const file: Blob = 'resume' in source ? source.resume.file : source.file;
  const paddedSize = crypto.attachmentPaddedBytes(file.size);
  const resumed = 'resume' in source ? source.resume : null;
  const created = resumed ? null : (await post<{ upload: ServerUpload }>('/api/attachments', { ...target, size: paddedSize })).upload;
  const id = resumed?.id ?? created?.id ?? '';
  let record = resumed;
  /** Whether the server's upload is this file's: one just created, or a kept one checked against its record. */
  let checked = created !== null;
  try {
    return await withUploadLock(id, async (held) => {
      // Another tab of this browser is still sending this very upload: leave it to that tab.
      if (!held) throw new ApiError(409, 'upload_in_progress', 'This file is still uploading in another Haven tab or window of this browser.');
      // Where a resumed upload stands is asked, and checked against the record, only once this tab alone may send it.
      const upload = resumed ? await resumedUpload(resumed, paddedSize) : created;
      if (!upload) throw new Error('an upload is either created or resumed');
      checked = true;
      const key = resumed?.key ?? crypto.newAttachmentKey();
      const encryptor = new crypto.AttachmentEncryptor(key, upload.id, resumed?.header);
      if (!record && 'file' in source) {
        record = {
          id: upload.id,
          userId: source.userId ?? '',
          target,
          file,
          name: source.file.name,
          type: source.file.type,
          size: file.size,
          key,
          header: encryptor.header,
          startedAt: Date.now(),
        };
        if (source.userId) await keepPendingUpload(record);
      }
      if (!record) throw new Error('an upload is either created or resumed');
      events.started(record);
      await sendCiphertext(crypto, record.file, encryptor, upload, events, signal);
      await post(`${statusPath(upload.id)}/complete`);
      return crypto.attachmentDescriptor({
        fileId: upload.id,
        key,
        name: safeFileName(record.name),
        type: mediaType(record.type),
        size: file.size,
        hash: encryptor.plaintextHash(),
      });
    });
  } catch (error) {
    if (signal.aborted) {
      // Cancelled: nothing half-stored is kept, here or on the server (a kept upload not yet checked is discarded as such).
      if (checked) await cancelUpload(id);
      else if (resumed) await discardKeptUpload(resumed);
    } else if (record && isLost(error)) {
      // The connection went outside the chunk requests (asking where the upload stands, finishing it): the same as within them.
      throw new ConnectionLost(error);
    }
    throw error;
  }
}

type Crypto = Awaited<ReturnType<typeof loadCrypto>>;

/**
 * Encrypts the file from its start and sends what the server does not hold yet, about 3 MiB a
 * request, with up to two requests unanswered while the chunks of the next are read and encrypted.
 */
async function sendCiphertext(
  crypto: Crypto,
  file: Blob,
  encryptor: InstanceType<Crypto['AttachmentEncryptor']>,
  upload: ServerUpload,
  events: UploadEvents,
  signal: AbortSignal,
): Promise<void> {
  const path = statusPath(upload.id);
  const sender = new ChunkSender(
    {
      put: async (offset, bytes) => (await putBytes<{ upload: ServerUpload }>(`${path}/chunks?offset=${offset}`, bytes, signal)).upload.received,
      where: async () => (await get<{ upload: ServerUpload }>(path)).upload.received,
      failure: (error) => (signal.aborted ? 'fatal' : error instanceof ApiError && error.code === 'wrong_offset' ? 'moved' : isLost(error) ? 'lost' : 'fatal'),
      pause: async (ms) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        signal.throwIfAborted();
      },
    },
    upload.received,
    MAX_REQUEST_BYTES,
    (held) => events.progress(held, upload.size),
  );
  if (upload.received > 0) events.progress(upload.received, upload.size);
  const count = crypto.attachmentChunkCount(file.size);
  let pending: Uint8Array[] = [encryptor.header];
  let pendingBytes = encryptor.header.length;
  /** Where the pending bytes start in the stored object. */
  let made = 0;
  const flush = async () => {
    const bytes = joined(pending);
    const from = made;
    made += bytes.length;
    pending = [];
    pendingBytes = 0;
    // Returns once a request is free: the next chunks are read and encrypted while the last two are on their way.
    await sender.send(bytes, from);
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
  await sender.finish();
}

/**
 * Gives up a kept upload: the record goes, and the server's upload is cancelled (its ciphertext
 * deleted) when it is the one the record describes; otherwise, or offline, the server deletes it
 * unsent after 24 hours.
 */
export async function discardKeptUpload(kept: Pick<PendingUpload, 'id' | 'target'> & { size: number | null }): Promise<void> {
  const crypto = await loadCrypto();
  const paddedSize = kept.size === null ? null : crypto.attachmentPaddedBytes(kept.size);
  try {
    const server = (await get<{ upload: ServerUpload }>(statusPath(kept.id))).upload;
    if (discardCancelsOnServer(kept, paddedSize, server)) await post(`${statusPath(kept.id)}/cancel`);
  } catch {
    // Gone, someone else's, already sent, or offline: nothing more to do here.
  }
  await forgetPendingUpload(kept.id);
}

/** Takes off an upload this page started or resumed: cancelled on the server (its ciphertext deleted) and forgotten here. */
export async function cancelUpload(id: string): Promise<void> {
  await post(`${statusPath(id)}/cancel`).catch(() => undefined);
  await forgetPendingUpload(id);
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
