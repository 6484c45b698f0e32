import { MalformedEnvelopeError } from './envelope-errors';
import type { SignedTreeHead } from './key-log';

/**
 * The header of an envelope: everything the server may read and enforce. It is the AEAD's
 * additional data and is signed, so nobody but the sender can change a field. v2 adds the newest
 * key-log head the sender's device had checked, so that readers can compare logs (a server that
 * shows two people different logs is caught). Format: docs/envelope.md.
 */
export type EnvelopeHeader = EnvelopeHeaderV1 | EnvelopeHeaderV2 | EnvelopeHeaderV3;

/**
 * v3 is v2 with the readers still waiting: people the envelope is for who had no keys when it was
 * sealed (a written record filed while another officer on the case has never signed in). They
 * get no wrapped key now; once they have keys, a reader of the envelope wraps its key for them in
 * a signed key grant (crypto/key-grant.ts). Signed, so the server can neither invent nor drop one.
 */
export interface EnvelopeHeaderV3 extends Omit<EnvelopeHeaderV2, 'v'> {
  v: 3;
  /** User ids, sorted (UTF-16 code units), no repeats, never the sender or a recipient. With none, recipients must not be empty. */
  pending: string[];
}

export interface EnvelopeHeaderV2 extends Omit<EnvelopeHeaderV1, 'v'> {
  v: 2;
  /** The newest signed key-log head the sender's device had checked when sealing, or null before it had seen one. */
  keyLogHead: SignedTreeHead | null;
}

export interface EnvelopeHeaderV1 {
  v: 1;
  id: string;
  kind: EnvelopeKind;
  threadId: string | null;
  childId: string;
  senderId: string;
  senderKeyFingerprint: string;
  /** Sorted by userId (UTF-16 code units), no repeats, never the sender. */
  recipients: EnvelopeRecipient[];
  tier: EnvelopeTier;
  /** The consent tag and share record; opaque JSON to crypto/, checked by the server's schema. */
  record: Record<string, unknown>;
  sentAt: string;
  replyTo: string | null;
  corrects: string | null;
  /** Given exactly when `corrects` is. */
  correctionReason: string | null;
}

export interface EnvelopeRecipient {
  userId: string;
  keyFingerprint: string;
}

export const ENVELOPE_KINDS = ['message', 'written_record'] as const;
export type EnvelopeKind = (typeof ENVELOPE_KINDS)[number];

export const ENVELOPE_TIERS = ['welfare', 'offending_risk'] as const;
export type EnvelopeTier = (typeof ENVELOPE_TIERS)[number];

/** How deep `record` may nest (the record itself is level 1), so hostile input cannot exhaust the stack. */
export const MAX_RECORD_DEPTH = 32;

const HEADER_V1_FIELDS = [
  'v',
  'id',
  'kind',
  'threadId',
  'childId',
  'senderId',
  'senderKeyFingerprint',
  'recipients',
  'tier',
  'record',
  'sentAt',
  'replyTo',
  'corrects',
  'correctionReason',
] as const;
const HEADER_V2_FIELDS = [...HEADER_V1_FIELDS, 'keyLogHead'] as const;
const HEADER_V3_FIELDS = [...HEADER_V2_FIELDS, 'pending'] as const;
const TREE_HEAD_FIELDS = ['v', 'treeSize', 'rootHash', 'timestamp', 'signature'] as const;
const RECIPIENT_FIELDS = ['userId', 'keyFingerprint'] as const;

// Lower case only: the signature covers the text, so one id must have one spelling.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FINGERPRINT = /^[0-9a-f]{64}$/;
const SENT_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Checks that `value` is a v1 header and returns a fresh copy of it, each field read once (so a
 * getter cannot show one value to the check and another to the signature). Throws
 * MalformedEnvelopeError naming the first bad field. Structure only: whether the sender may
 * send this, and what the record must contain, are the server's policy.
 */
export function assertHeaderShape(value: unknown): EnvelopeHeader {
  if (!isPlainObject(value)) throw new MalformedEnvelopeError('header', 'must be an object');
  const version = value['v'];
  if (version !== 1 && version !== 2 && version !== 3) throw new MalformedEnvelopeError('header.v', VERSIONS);
  const fields = version === 3 ? HEADER_V3_FIELDS : version === 2 ? HEADER_V2_FIELDS : HEADER_V1_FIELDS;
  const h = exactObject<(typeof HEADER_V3_FIELDS)[number]>(value, fields, 'header');
  // Read once more through the copy: a getter cannot answer one version to the check and another here.
  if (h.v !== version) throw new MalformedEnvelopeError('header.v', VERSIONS);
  const id = uuid(h.id, 'header.id');
  const kind = oneOf(h.kind, ENVELOPE_KINDS, 'header.kind');
  const threadId = h.threadId === null ? null : uuid(h.threadId, 'header.threadId');
  const childId = uuid(h.childId, 'header.childId');
  const senderId = uuid(h.senderId, 'header.senderId');
  const senderKeyFingerprint = fingerprint(h.senderKeyFingerprint, 'header.senderKeyFingerprint');
  const recipients = recipientList(h.recipients, senderId, version === 3);
  const tier = oneOf(h.tier, ENVELOPE_TIERS, 'header.tier');
  if (!isPlainObject(h.record)) throw new MalformedEnvelopeError('header.record', 'must be an object');
  const record = jsonObject(h.record, 'header.record', 1);
  const sentAt = timestamp(h.sentAt, 'header.sentAt');
  const replyTo = h.replyTo === null ? null : uuid(h.replyTo, 'header.replyTo');
  const corrects = h.corrects === null ? null : uuid(h.corrects, 'header.corrects');
  const correctionReason = h.correctionReason === null ? null : text(h.correctionReason, 'header.correctionReason', false);
  if ((corrects === null) !== (correctionReason === null)) {
    throw new MalformedEnvelopeError('header.correctionReason', 'must be given exactly when header.corrects is');
  }
  const common = { id, kind, threadId, childId, senderId, senderKeyFingerprint, recipients, tier, record, sentAt, replyTo, corrects, correctionReason };
  if (version === 1) return { v: 1, ...common };
  const keyLogHead = h.keyLogHead === null ? null : treeHead(h.keyLogHead, 'header.keyLogHead');
  if (version === 2) return { v: 2, ...common, keyLogHead };
  const pending = pendingList(h.pending, senderId, recipients);
  if (recipients.length === 0 && pending.length === 0) throw new MalformedEnvelopeError('header.recipients', 'must not be empty when nobody is pending');
  return { v: 3, ...common, keyLogHead, pending };
}

const VERSIONS = 'must be 1, 2 or 3 (the envelope versions this code reads)';

/** v3's readers still waiting for keys: sorted user ids, no repeats, neither the sender nor a recipient. */
function pendingList(value: unknown, senderId: string, recipients: EnvelopeRecipient[]): string[] {
  if (!Array.isArray(value)) throw new MalformedEnvelopeError('header.pending', 'must be an array');
  const items: unknown[] = value;
  const out: string[] = [];
  items.forEach((item, index) => {
    const path = `header.pending[${index}]`;
    const userId = uuid(item, path);
    if (userId === senderId) throw new MalformedEnvelopeError(path, 'is the sender, who always gets a wrapped key');
    if (recipients.some((r) => r.userId === userId)) throw new MalformedEnvelopeError(path, 'is a recipient, who already gets a wrapped key');
    const previous = out.at(-1);
    if (previous !== undefined && !(previous < userId)) throw new MalformedEnvelopeError(path, 'is out of order or repeated (sort by user id)');
    out.push(userId);
  });
  return out;
}

/** A signed key-log head's shape (its signature is checked by the reader against the log key of its trust roots). */
function treeHead(value: unknown, path: string): SignedTreeHead {
  const t = exactObject(value, TREE_HEAD_FIELDS, path);
  if (t.v !== 1) throw new MalformedEnvelopeError(`${path}.v`, 'must be 1');
  if (typeof t.treeSize !== 'number' || !Number.isSafeInteger(t.treeSize) || t.treeSize < 0) {
    throw new MalformedEnvelopeError(`${path}.treeSize`, 'must be a whole number ≥ 0');
  }
  if (typeof t.rootHash !== 'string' || !FINGERPRINT.test(t.rootHash)) throw new MalformedEnvelopeError(`${path}.rootHash`, 'must be 64 lower-case hex digits');
  const timestampText = timestamp(t.timestamp, `${path}.timestamp`);
  if (typeof t.signature !== 'string' || !/^[A-Za-z0-9_-]{86}$/.test(t.signature)) {
    throw new MalformedEnvelopeError(`${path}.signature`, 'must be a 64-byte signature in base64url');
  }
  return { v: 1, treeSize: t.treeSize, rootHash: t.rootHash, timestamp: timestampText, signature: t.signature };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Reads an object that must have exactly `fields`, each read once. `path` '' is the envelope itself, whose fields are named bare. */
export function exactObject<K extends string>(value: unknown, fields: readonly K[], path: string): Record<K, unknown> {
  if (!isPlainObject(value)) throw new MalformedEnvelopeError(path || 'envelope', 'must be an object');
  const child = (key: string) => (path ? `${path}.${shorten(key)}` : shorten(key));
  const allowed: readonly string[] = fields;
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new MalformedEnvelopeError(child(key), 'is not a field of this version');
  }
  const out = {} as Record<K, unknown>;
  for (const field of fields) {
    if (!Object.hasOwn(value, field)) throw new MalformedEnvelopeError(child(field), 'is missing');
    out[field] = value[field];
  }
  return out;
}

export function uuid(value: unknown, path: string): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw new MalformedEnvelopeError(path, 'must be a lower-case uuid');
  return value;
}

function fingerprint(value: unknown, path: string): string {
  if (typeof value !== 'string' || !FINGERPRINT.test(value)) throw new MalformedEnvelopeError(path, 'must be a key fingerprint (64 lower-case hex digits)');
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  const found = allowed.find((option) => option === value);
  if (found === undefined) throw new MalformedEnvelopeError(path, `must be one of ${allowed.join(', ')}`);
  return found;
}

function timestamp(value: unknown, path: string): string {
  // The round trip through Date refuses impossible times such as 2026-02-30 or 24:00.
  if (typeof value !== 'string' || !SENT_AT.test(value) || new Date(value).toISOString() !== value) {
    throw new MalformedEnvelopeError(path, 'must be an ISO 8601 UTC time with milliseconds (2026-01-31T09:00:00.000Z)');
  }
  return value;
}

/** Text the canonical form and the server's storage can both hold: well-formed UTF-16, no NUL. */
function text(value: unknown, path: string, allowEmpty: boolean): string {
  if (typeof value !== 'string') throw new MalformedEnvelopeError(path, 'must be a string');
  if (!value.isWellFormed()) throw new MalformedEnvelopeError(path, 'contains a lone surrogate');
  if (value.includes('\u0000')) throw new MalformedEnvelopeError(path, 'contains the NUL character');
  if (!allowEmpty && value.trim() === '') throw new MalformedEnvelopeError(path, 'must not be empty');
  return value;
}

/** v3 may name no recipient when someone is pending (checked by the caller): the sender alone can read it until then. */
function recipientList(value: unknown, senderId: string, mayBeEmpty: boolean): EnvelopeRecipient[] {
  if (!Array.isArray(value) || (value.length === 0 && !mayBeEmpty)) throw new MalformedEnvelopeError('header.recipients', 'must be a non-empty array');
  const items: unknown[] = value;
  const out: EnvelopeRecipient[] = [];
  items.forEach((item, index) => {
    const path = `header.recipients[${index}]`;
    const r = exactObject(item, RECIPIENT_FIELDS, path);
    const userId = uuid(r.userId, `${path}.userId`);
    if (userId === senderId) throw new MalformedEnvelopeError(`${path}.userId`, 'is the sender, who must not be listed as a recipient');
    const previous = out.at(-1);
    if (previous && !(previous.userId < userId)) throw new MalformedEnvelopeError(`${path}.userId`, 'is out of order or repeated (sort by userId)');
    out.push({ userId, keyFingerprint: fingerprint(r.keyFingerprint, `${path}.keyFingerprint`) });
  });
  return out;
}

function jsonValue(value: unknown, path: string, depth: number): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new MalformedEnvelopeError(path, 'must be a finite number');
    return value;
  }
  if (typeof value === 'string') return text(value, path, true);
  if (depth >= MAX_RECORD_DEPTH && typeof value === 'object') throw new MalformedEnvelopeError(path, `nests deeper than ${MAX_RECORD_DEPTH} levels`);
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    const out: unknown[] = [];
    for (let index = 0; index < items.length; index++) out.push(jsonValue(items[index], `${path}[${index}]`, depth + 1));
    return out;
  }
  if (isPlainObject(value)) return jsonObject(value, path, depth + 1);
  throw new MalformedEnvelopeError(path, 'must be a string, number, boolean, null, array or plain object');
}

function jsonObject(object: Record<string, unknown>, path: string, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    const keyPath = `${path}.${shorten(key)}`;
    text(key, keyPath, true);
    // defineProperty, not assignment, so a member named "__proto__" stays an ordinary member.
    Object.defineProperty(out, key, { value: jsonValue(object[key], keyPath, depth), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Keeps hostile field names from bloating error messages and logs. */
function shorten(key: string): string {
  return key.length > 40 ? `${key.slice(0, 40)}…` : key;
}
