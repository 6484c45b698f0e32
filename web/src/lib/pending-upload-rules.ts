// Which uploads interrupted by the page closing may be resumed here (docs/attachments.md,
// "Resuming after the page was closed"). Pure: the IndexedDB side is pending-uploads.ts.

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

/** The server deletes unsent uploads 24 hours after they started; a record older than that has nothing left to resume. */
export const PENDING_UPLOAD_KEPT_MS = 24 * 3_600_000;

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

/** A stored value as a pending upload, or null when it is not one (damaged, or from an older version): such a record is dropped. */
export function asPendingUpload(value: unknown): PendingUpload | null {
  if (typeof value !== 'object' || value === null) return null;
  const r = value as Record<string, unknown>;
  const target = asTarget(r['target']);
  const ok =
    typeof r['id'] === 'string' &&
    UUID.test(r['id']) &&
    typeof r['userId'] === 'string' &&
    UUID.test(r['userId']) &&
    target !== null &&
    r['file'] instanceof Blob &&
    typeof r['name'] === 'string' &&
    typeof r['type'] === 'string' &&
    typeof r['size'] === 'number' &&
    Number.isSafeInteger(r['size']) &&
    r['size'] >= 0 &&
    r['file'].size === r['size'] &&
    r['key'] instanceof Uint8Array &&
    r['key'].length === 32 &&
    r['header'] instanceof Uint8Array &&
    r['header'].length === 24 &&
    typeof r['startedAt'] === 'number' &&
    Number.isFinite(r['startedAt']);
  return ok ? (r as unknown as PendingUpload) : null;
}

function sameTarget(a: UploadTarget, b: UploadTarget): boolean {
  return 'threadId' in a ? 'threadId' in b && a.threadId === b.threadId : 'childId' in b && a.childId === b.childId;
}

/** Whether this record is offered on this screen: the same person, the same conversation or child, and young enough that the server still holds it. */
export function offeredHere(upload: PendingUpload, here: { userId: string; target: UploadTarget; now: number }): boolean {
  return upload.userId === here.userId && sameTarget(upload.target, here.target) && isFresh(upload, here.now);
}

/** Started less than 24 hours ago (and not in the future, which a wrong clock could make it). */
export function isFresh(upload: Pick<PendingUpload, 'startedAt'>, now: number): boolean {
  return upload.startedAt <= now + 60_000 && now - upload.startedAt < PENDING_UPLOAD_KEPT_MS;
}
