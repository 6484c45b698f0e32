import { canonicalJson } from './canonical-json';
import { fromBase64Url, toBase64Url } from './bytes';
import { MalformedInputError } from './errors';
import { isPlainObject } from './envelope-header';
import { ATTACHMENT_KEY_BYTES, type AttachmentExpectation } from './attachment-stream';

/**
 * What the sender says about each attached file. It travels inside the envelope's encrypted and
 * signed body (docs/attachments.md), never beside it, so the server sees neither key, name, type,
 * size nor hash, and cannot swap a file without breaking the hash the sender signed.
 * Body with attachments: UTF-8 JCS of { "haven/body": 1, text, attachments: [descriptor…] }.
 * A body that does not parse as that is a plain text body, as every envelope before it.
 */
export interface AttachmentDescriptor {
  fileId: string;
  /** base64url of the 32-byte file key. */
  key: string;
  name: string;
  type: string;
  size: number;
  /** BLAKE2b-256 of the plaintext, hex. */
  hash: string;
}

export interface BodyWithAttachments {
  text: string;
  attachments: AttachmentDescriptor[];
}

const BODY_MARKER = 'haven/body';
const MAX_ATTACHMENTS = 20;
const DESCRIPTOR_FIELDS = ['fileId', 'hash', 'key', 'name', 'size', 'type'];

/** Slashes would make a path of a saved name; control characters would hide parts of it. */
function hasControlOrSlash(name: string): boolean {
  return [...name].some((c) => c === '/' || c === '\\' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

function checkDescriptor(d: unknown): AttachmentDescriptor {
  if (!isPlainObject(d)) throw new MalformedInputError('an attachment must be an object');
  const keys = Object.keys(d).sort();
  if (keys.join() !== DESCRIPTOR_FIELDS.join()) throw new MalformedInputError(`an attachment has exactly the fields ${DESCRIPTOR_FIELDS.join(', ')}`);
  const { fileId, key, name, type, size, hash } = d;
  if (typeof fileId !== 'string' || !/^[0-9a-f-]{36}$/.test(fileId)) throw new MalformedInputError('attachment fileId must be a UUID');
  if (typeof key !== 'string' || fromBase64Url(key, 'attachment key').length !== ATTACHMENT_KEY_BYTES)
    throw new MalformedInputError('attachment key must be 32 bytes');
  if (typeof name !== 'string' || name.length === 0 || name.length > 255 || hasControlOrSlash(name))
    throw new MalformedInputError('attachment name must be 1 to 255 characters, without slashes or control characters');
  if (typeof type !== 'string' || !/^[\w.+-]+\/[\w.+-]+$/.test(type) || type.length > 127)
    throw new MalformedInputError('attachment type must be a media type');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new MalformedInputError('attachment size must be a non-negative integer');
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) throw new MalformedInputError('attachment hash must be 64 hex digits');
  return { fileId, key, name, type, size, hash };
}

/** The envelope body for a text with attachments (the text alone stays a plain body). */
export function encodeBodyWithAttachments(body: BodyWithAttachments): string {
  if (body.attachments.length === 0) return body.text;
  if (body.attachments.length > MAX_ATTACHMENTS) throw new MalformedInputError(`at most ${MAX_ATTACHMENTS} attachments`);
  return canonicalJson({ [BODY_MARKER]: 1, text: body.text, attachments: body.attachments.map(checkDescriptor) });
}

/** Reads an opened envelope body: a plain text, or a text with attachments. Refuses a malformed one. */
export function decodeBody(body: string): BodyWithAttachments {
  // JCS sorts keys, so a body with attachments starts with its "attachments" field.
  if (!body.startsWith('{"attachments":')) return { text: body, attachments: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { text: body, attachments: [] };
  }
  if (!isPlainObject(parsed) || parsed[BODY_MARKER] === undefined) return { text: body, attachments: [] };
  const p = parsed;
  if (p[BODY_MARKER] !== 1) throw new MalformedInputError('unknown body version');
  if (Object.keys(p).sort().join() !== ['attachments', BODY_MARKER, 'text'].join())
    throw new MalformedInputError('a body with attachments has exactly haven/body, text and attachments');
  if (typeof p.text !== 'string' || !Array.isArray(p.attachments) || p.attachments.length > MAX_ATTACHMENTS)
    throw new MalformedInputError('malformed body with attachments');
  return { text: p.text, attachments: p.attachments.map(checkDescriptor) };
}

/** What the decryptor needs from a descriptor. */
export function attachmentExpectation(d: AttachmentDescriptor): AttachmentExpectation {
  return { key: fromBase64Url(d.key, 'attachment key'), fileId: d.fileId, size: d.size, hash: d.hash };
}

/** A descriptor for a file key (convenience for the sender). */
export function attachmentDescriptor(fields: Omit<AttachmentDescriptor, 'key'> & { key: Uint8Array }): AttachmentDescriptor {
  return checkDescriptor({ ...fields, key: toBase64Url(fields.key) });
}
