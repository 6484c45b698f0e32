// Which uploads interrupted by the page closing may be resumed here, and whether a kept record
// still matches the server's upload (docs/attachments.md, "Resuming after the page was closed, or
// the connection was lost").
// Pure: the IndexedDB side is pending-uploads.ts, the network side attachment-transfer.ts.
import type { UploadStatus } from '../../../server/attachments/attachments.schema';

/** What a file is uploaded for: a conversation, or a verbal share about a child (which has none). */
export type UploadTarget = { threadId: string } | { childId: string };

/** One upload this browser started and has not yet seen sent or cancelled. */
export interface PendingUpload {
  /** The server's upload id, which is also the file id bound into every chunk. */
  id: string;
  /** Who started it: another person signing in on this browser never sees it. */
  userId: string;
  target: UploadTarget;
  /** The file as chosen (IndexedDB keeps a copy of its bytes). */
  file: Blob;
  name: string;
  type: string;
  size: number;
  /** The file's key and the encryption's header: with the same file they make the same ciphertext again. */
  key: Uint8Array;
  header: Uint8Array;
  /** When it started, in milliseconds since 1970. */
  startedAt: number;
}

/**
 * A record that says whose upload it is, for what and since when, but fails its own checks
 * (changed by hand, or damaged): it is offered for discarding only, with what is wrong.
 */
export interface DamagedUpload extends Pick<PendingUpload, 'id' | 'userId' | 'target' | 'startedAt'> {
  /** The file's name if the record still has a usable one. */
  name: string | null;
  /** The plaintext size if the record still has a usable one (to check against the server's before cancelling there). */
  size: number | null;
  problems: string[];
}

/** A kept record read back: whole (it may be resumed, once the server's upload matches it) or damaged. */
export type KeptUpload = { whole: true; upload: PendingUpload } | { whole: false; upload: DamagedUpload };

/** The upload as the server describes it (GET /api/attachments/:id): the server's own type, so the two cannot drift apart. */
export type ServerUpload = UploadStatus;

/** The server deletes unsent uploads 24 hours after they started; a record older than that has nothing left to resume. */
export const PENDING_UPLOAD_KEPT_MS = 24 * 3_600_000;
/** As crypto/attachment-stream.ts: a file key and a secretstream header (not imported, so that this file stays free of libsodium). */
const KEY_BYTES = 32;
const HEADER_BYTES = 24;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function asTarget(value: unknown): UploadTarget | null {
  if (typeof value !== 'object' || value === null) return null;
  const target = value as Record<string, unknown>;
  const keys = Object.keys(target);
  if (keys.length !== 1) return null;
  if (typeof target['threadId'] === 'string' && UUID.test(target['threadId'])) return { threadId: target['threadId'] };
  if (typeof target['childId'] === 'string' && UUID.test(target['childId'])) return { childId: target['childId'] };
  return null;
}

const isSize = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/**
 * What is wrong with a stored record, in words (empty when nothing is). `storedUnder` is the key it
 * is stored under, which must be its id. A record whose own parts disagree could make other
 * ciphertext than the first time under the same key and header, so it is never resumed.
 */
export function recordProblems(value: unknown, storedUnder: unknown): string[] {
  if (typeof value !== 'object' || value === null) return ['it is not a record'];
  const r = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof r['id'] !== 'string' || !UUID.test(r['id'])) problems.push('it has no upload id');
  else if (r['id'] !== storedUnder) problems.push('it is stored under another upload’s id');
  if (typeof r['userId'] !== 'string' || !UUID.test(r['userId'])) problems.push('it does not say who started it');
  if (asTarget(r['target']) === null) problems.push('it does not say which conversation or child it is for');
  if (typeof r['startedAt'] !== 'number' || !Number.isFinite(r['startedAt'])) problems.push('it does not say when it started');
  if (typeof r['name'] !== 'string' || r['name'].length === 0) problems.push('it has no file name');
  if (typeof r['type'] !== 'string') problems.push('it has no file type');
  if (!(r['file'] instanceof Blob)) problems.push('the file itself is missing');
  if (!isSize(r['size'])) problems.push('it has no valid file size');
  else if (r['file'] instanceof Blob && r['file'].size !== r['size']) problems.push('the kept file is not the size recorded for it');
  if (!(r['key'] instanceof Uint8Array) || r['key'].length !== KEY_BYTES) problems.push(`the file’s key is not ${KEY_BYTES} bytes`);
  if (!(r['header'] instanceof Uint8Array) || r['header'].length !== HEADER_BYTES) problems.push(`the encryption’s header is not ${HEADER_BYTES} bytes`);
  return problems;
}

/**
 * A stored value as a kept upload, or null when it cannot even say whose upload it is, for what,
 * and since when (it cannot be offered to anyone, so it is dropped).
 */
export function readKeptUpload(value: unknown, storedUnder: unknown): KeptUpload | null {
  if (typeof value !== 'object' || value === null) return null;
  const r = value as Record<string, unknown>;
  const { id, userId, startedAt } = r;
  const target = asTarget(r['target']);
  if (typeof id !== 'string' || id !== storedUnder || !UUID.test(id)) return null;
  if (typeof userId !== 'string' || !UUID.test(userId) || target === null) return null;
  if (typeof startedAt !== 'number' || !Number.isFinite(startedAt)) return null;
  const problems = recordProblems(value, storedUnder);
  if (problems.length === 0) return { whole: true, upload: r as unknown as PendingUpload };
  const name = typeof r['name'] === 'string' && r['name'].length > 0 ? r['name'] : null;
  return { whole: false, upload: { id, userId, target, startedAt, name, size: isSize(r['size']) ? r['size'] : null, problems } };
}

function sameTarget(a: UploadTarget, b: UploadTarget): boolean {
  return 'threadId' in a ? 'threadId' in b && a.threadId === b.threadId : 'childId' in b && a.childId === b.childId;
}

/** Whether the server's upload is for this conversation, or for a verbal share about this child. */
function serverTargetIs(server: ServerUpload, target: UploadTarget): boolean {
  return 'threadId' in target ? server.threadId === target.threadId : server.threadId === null && server.childId === target.childId;
}

/** Whether this record is offered on this screen: the same person, the same conversation or child, and young enough that the server still holds it. */
export function offeredHere(
  upload: Pick<PendingUpload, 'userId' | 'target' | 'startedAt'>,
  here: { userId: string; target: UploadTarget; now: number },
): boolean {
  return upload.userId === here.userId && sameTarget(upload.target, here.target) && isFresh(upload, here.now);
}

/** Started less than 24 hours ago (and not in the future, which a wrong clock could make it). */
export function isFresh(upload: Pick<PendingUpload, 'startedAt'>, now: number): boolean {
  return upload.startedAt <= now + 60_000 && now - upload.startedAt < PENDING_UPLOAD_KEPT_MS;
}

/**
 * Why the server's upload is not the one this record describes, in words, or null when it is and
 * resuming may go on. `paddedSize` is the stored size the kept file encrypts to
 * (`attachmentPaddedBytes(upload.size)`). A finished but unsent upload matches: resuming it sends
 * nothing and makes the file's descriptor again.
 */
export function resumeRefusal(upload: Pick<PendingUpload, 'id' | 'target'>, paddedSize: number, server: ServerUpload): string | null {
  if (server.id !== upload.id) return 'Haven answered about another upload';
  if (server.sent) return 'it has already been sent';
  if (!serverTargetIs(server, upload.target)) return 'Haven has it for another conversation or child';
  if (server.size !== paddedSize) return 'the file kept in this browser is not the size Haven expects';
  // The sizes agree by now, so this is also an offset beyond what the server declared.
  if (server.received > paddedSize) return 'Haven holds more of it than the kept file encrypts to';
  return null;
}

/** Why an upload cannot be resumed, from the server's refusal to say how it stands, or null for a refusal that says nothing about that. */
export function goneReason(status: number, code: string): string | null {
  if (status === 404) return 'Haven no longer has it';
  if (status === 410) return 'Haven deleted it (it was cancelled, or not sent within 24 hours)';
  if (status === 403 && code === 'attachment_sent') return 'it has already been sent';
  if (status === 403 && code === 'not_the_uploader') return 'it is not your upload';
  if (status === 403) return 'you may no longer add to it';
  return null;
}

/** What the person reads about a kept upload that may only be discarded. */
export function refusalMessage(reason: string): string {
  return `This upload cannot be resumed: ${reason}. Discard it and attach the file again.`;
}

/** What the person reads about a damaged record: its first problem is enough to say why. */
export function damagedMessage(upload: Pick<DamagedUpload, 'problems'>): string {
  return refusalMessage(`what this browser kept of it is damaged (${upload.problems[0] ?? 'unreadable'})`);
}

/**
 * Whether discarding a kept record also cancels the server's upload: only when that upload is, as
 * far as both can tell, the one the record describes (the same id and target, unsent, and the
 * size the kept file encrypts to when the record still has a size), so a changed record cannot
 * cancel another of this person's uploads. Otherwise the server deletes it unsent after 24 hours.
 */
export function discardCancelsOnServer(kept: Pick<DamagedUpload, 'id' | 'target'>, paddedSize: number | null, server: ServerUpload): boolean {
  return server.id === kept.id && !server.sent && serverTargetIs(server, kept.target) && (paddedSize === null || server.size === paddedSize);
}
