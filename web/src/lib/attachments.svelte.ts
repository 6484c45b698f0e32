// Files on their way into a message, and files of an opened message on their way to this device:
// progress both ways, cancel, and what is safe to show in the page (docs/attachments.md).
import type { AttachmentDescriptor } from '../../../crypto';
import { ApiError } from './api';
import {
  cancelUpload,
  discardKeptUpload,
  downloadFile,
  ResumeRefused,
  uploadFile,
  uploadsInProgress,
  type UploadSource,
  type UploadTarget,
} from './attachment-transfer';
import { ConnectionLost, OffsetMismatch } from './chunk-sender';
import { forgetAllPendingUploads, forgetPendingUpload, pendingUploadsFor } from './pending-uploads';
import { damagedMessage, type KeptUpload, type PendingUpload } from './pending-upload-rules';
import { session } from './session.svelte';
import { loadCrypto } from './keys.svelte';

// Signing out (or being signed out) forgets the files this browser kept to resume uploads.
session.onEnd(() => void forgetAllPendingUploads());

/** At most this many files in one message (the signed body allows no more). */
export const MAX_FILES = 20;

function problemOf(error: unknown, doing: string): string {
  if (error instanceof ApiError || error instanceof ConnectionLost || error instanceof OffsetMismatch || error instanceof ResumeRefused) return error.message;
  // Anything else is the decryptor refusing the bytes (tampered, cut short, or not the signed file).
  if (doing === 'downloaded') return 'The file did not match what its sender signed, so it was not opened. Nothing of it was kept.';
  return `The file could not be ${doing}. Try again.`;
}

/**
 * One file being encrypted and uploaded for the message being written. `interrupted`: the
 * connection went, and what the server holds and this browser's record stay, to resume;
 * `refused`: a kept upload that does not match the server's, which may only be discarded.
 */
export class OutgoingFile {
  readonly name: string;
  readonly size: number;
  stored = $state(0);
  total = $state(1);
  state = $state<'uploading' | 'ready' | 'interrupted' | 'refused' | 'failed' | 'cancelled'>('uploading');
  problem = $state<string | null>(null);
  descriptor: AttachmentDescriptor | null = null;
  /** What resumes this upload: the kept record it was resumed from, or the one made when it started. */
  private record: PendingUpload | null = null;
  /** Whether this page has sent to the server's upload, created or checked to be the record's (so taking it off cancels it there). */
  private sending = false;
  private controller = new AbortController();

  constructor(
    source: UploadSource,
    private readonly target: UploadTarget,
  ) {
    this.name = 'resume' in source ? source.resume.name : source.file.name;
    this.size = 'resume' in source ? source.resume.size : source.file.size;
    if ('resume' in source) this.record = source.resume;
    void this.run(source);
  }

  /** The server's id for this upload, once it has one. */
  get uploadId(): string | null {
    return this.record?.id ?? null;
  }

  private async run(source: UploadSource): Promise<void> {
    const signal = this.controller.signal;
    try {
      this.descriptor = await uploadFile(
        source,
        this.target,
        {
          progress: (stored, total) => {
            this.stored = stored;
            this.total = total;
          },
          started: (record) => {
            this.record = record;
            this.sending = true;
          },
        },
        signal,
      );
      this.state = 'ready';
    } catch (error) {
      if (signal.aborted) return;
      this.problem = problemOf(error, 'uploaded');
      if (error instanceof ConnectionLost) this.state = 'interrupted';
      else if (error instanceof ResumeRefused) this.state = 'refused';
      else {
        this.state = 'failed';
        // Another tab is sending it: taking it off here must leave that tab's upload alone.
        if (error instanceof ApiError && error.code === 'upload_in_progress') this.record = null;
      }
    }
  }

  /** Carries on after the connection came back, from what the server holds. */
  resume(): void {
    if (this.state !== 'interrupted' || !this.record) return;
    this.state = 'uploading';
    this.problem = null;
    this.controller = new AbortController();
    void this.run({ resume: this.record });
  }

  /** Takes the file off: only this (or discarding) deletes what the server holds of it, and the record kept to resume it. */
  cancel(): void {
    switch (this.state) {
      case 'uploading':
        // The upload itself cancels on the server and forgets the record once it sees the abort.
        this.controller.abort();
        break;
      case 'ready':
      case 'interrupted':
      case 'failed':
      case 'refused':
        // Its ciphertext goes now, not at the 24-hour sweep: at once for an upload this page was
        // sending; for a kept one never checked against the server's, only if that is the record's.
        if (this.record) void (this.sending ? cancelUpload(this.record.id) : discardKeptUpload(this.record));
        break;
      case 'cancelled':
        return;
    }
    this.state = 'cancelled';
  }
}

/** One kept upload offered on this screen: to resume or discard, or (damaged) to discard only. */
export class InterruptedUpload {
  constructor(readonly kept: KeptUpload) {}

  get id(): string {
    return this.kept.upload.id;
  }

  get name(): string {
    return this.kept.upload.name ?? 'A file';
  }

  get size(): number | null {
    return this.kept.upload.size;
  }

  /** Why it may only be discarded, or null when it may be resumed. */
  get refusal(): string | null {
    return this.kept.whole ? null : damagedMessage(this.kept.upload);
  }
}

/** The files of one message, record or verbal share being written: chosen, uploading, ready, or failed. */
export class OutgoingFiles {
  list = $state<OutgoingFile[]>([]);
  /** Uploads for this conversation or share that were cut off earlier, offered to resume or discard. */
  interrupted = $state.raw<InterruptedUpload[]>([]);

  constructor(private readonly target: () => UploadTarget) {}

  /** Starts encrypting and uploading chosen or dropped files (up to MAX_FILES in all). */
  attach(chosen: Iterable<File>): void {
    const room = MAX_FILES - this.list.length;
    const userId = session.current?.user.id ?? null;
    const added = [...chosen].slice(0, Math.max(0, room)).map((file) => new OutgoingFile({ file, userId }, this.target()));
    this.list = [...this.list, ...added];
  }

  /** Finds this person's uploads for the same conversation or share that were cut off (the page closed, or the connection went). */
  async findInterrupted(): Promise<void> {
    const userId = session.current?.user.id;
    if (!userId) return;
    // Not those of this page, nor those going on in another tab of this browser (they hold a lock while they send).
    const busy = [...this.list.flatMap((f) => (f.uploadId ? [f.uploadId] : [])), ...(await uploadsInProgress())];
    this.interrupted = (await pendingUploadsFor(userId, this.target())).filter((p) => !busy.includes(p.upload.id)).map((p) => new InterruptedUpload(p));
  }

  /**
   * Carries on with an interrupted upload from where the server stopped, once the server's upload
   * is checked to be the one kept here; it then goes with the message like any other file.
   */
  resume(entry: InterruptedUpload): void {
    if (!entry.kept.whole || this.list.length >= MAX_FILES) return;
    this.interrupted = this.interrupted.filter((p) => p !== entry);
    this.list = [...this.list, new OutgoingFile({ resume: entry.kept.upload }, this.target())];
  }

  /** Gives up an interrupted upload: forgotten here, and what the server holds of it deleted now when it is this record's. */
  discard(entry: InterruptedUpload): void {
    this.interrupted = this.interrupted.filter((p) => p !== entry);
    void discardKeptUpload(entry.kept.upload);
  }

  /** Cancels a file's upload (the server deletes what arrived) and takes it off. */
  remove(file: OutgoingFile): void {
    file.cancel();
    this.list = this.list.filter((f) => f !== file);
  }

  /** After sending: the files went with it, so this browser no longer keeps them to resume. */
  clear(): void {
    for (const file of this.list) if (file.descriptor) void forgetPendingUpload(file.descriptor.fileId);
    this.list = [];
  }

  /** What stops sending, in words, if anything. */
  problem(): string | undefined {
    if (this.list.some((f) => f.state === 'uploading')) return 'Wait until every file has finished uploading';
    if (this.list.some((f) => f.state === 'interrupted')) return 'Resume or remove the files whose upload was interrupted';
    if (this.list.some((f) => f.state !== 'ready')) return 'Remove the files that could not be uploaded';
    return undefined;
  }

  get descriptors(): AttachmentDescriptor[] {
    return this.list.flatMap((f) => (f.descriptor ? [f.descriptor] : []));
  }

  /**
   * The record input, body and send options for these files: the record names `documents` (the
   * server refuses files otherwise), the body carries the descriptors, signed with the rest.
   */
  async seal<R extends object>(recordInput: R, text: string): Promise<{ record: R; text: string; attachments: string[] }> {
    const descriptors = this.descriptors;
    if (!descriptors.length) return { record: recordInput, text, attachments: [] };
    const given: unknown = (recordInput as { kindsOfInformation?: unknown }).kindsOfInformation;
    const named = Array.isArray(given) ? (given as unknown[]) : [];
    const kindsOfInformation = named.includes('documents') ? named : [...named, 'documents'];
    const crypto = await loadCrypto();
    return {
      record: { ...recordInput, kindsOfInformation },
      text: crypto.encodeBodyWithAttachments({ text, attachments: descriptors }),
      attachments: descriptors.map((d) => d.fileId),
    };
  }
}

/**
 * Types a browser would run or render as a page rather than show as a document: opening them
 * is warned about first, and they are only ever saved, never shown in Haven's page.
 */
const RISKY_TYPES =
  /^(text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml|application\/(x-)?javascript|text\/javascript|application\/x-msdownload|application\/x-sh|application\/java-archive|application\/hta)$/;
const RISKY_NAMES = /\.(html?|xhtml|svg|xml|js|mjs|exe|msi|bat|cmd|com|scr|ps1|vbs|vbe|jse|wsf|hta|jar|sh|lnk|reg|dll|app|dmg|docm|xlsm|pptm)$/i;

export function isRisky(d: Pick<AttachmentDescriptor, 'name' | 'type'>): boolean {
  return RISKY_TYPES.test(d.type) || RISKY_NAMES.test(d.name);
}

/** Images and PDFs the page can preview once decrypted. */
export function previewKind(d: Pick<AttachmentDescriptor, 'name' | 'type'>): 'image' | 'pdf' | null {
  if (isRisky(d)) return null;
  if (/^image\/(png|jpeg|gif|webp)$/.test(d.type)) return 'image';
  if (d.type === 'application/pdf') return 'pdf';
  return null;
}

/** One file of an opened message: downloaded and decrypted on demand. */
export class IncomingFile {
  received = $state(0);
  total = $state(1);
  state = $state<'idle' | 'downloading' | 'done' | 'failed'>('idle');
  problem = $state<string | null>(null);
  /** A blob: URL of the decrypted file, once whole and checked; revoked by `forget`. */
  url = $state<string | null>(null);
  private controller: AbortController | null = null;

  constructor(readonly descriptor: AttachmentDescriptor) {}

  async fetch(): Promise<void> {
    if (this.state === 'downloading' || this.state === 'done') return;
    this.state = 'downloading';
    this.problem = null;
    this.controller = new AbortController();
    try {
      const blob = await downloadFile(
        this.descriptor,
        (received, total) => {
          this.received = received;
          this.total = total;
        },
        this.controller.signal,
      );
      // A risky type is saved as plain bytes, so no browser renders or runs it from Haven's origin.
      const safe = isRisky(this.descriptor) ? new Blob([blob], { type: 'application/octet-stream' }) : blob;
      this.url = URL.createObjectURL(safe);
      this.state = 'done';
    } catch (error) {
      if (this.controller.signal.aborted) {
        this.state = 'idle';
        return;
      }
      this.state = 'failed';
      this.problem = problemOf(error, 'downloaded');
    }
  }

  cancel(): void {
    this.controller?.abort();
  }

  forget(): void {
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
    this.state = 'idle';
  }
}
