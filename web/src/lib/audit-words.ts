// Audit entries in words for people: subjects by name where the server gave one, identifiers
// shortened (the full one kept for screen readers and the title), detail as "key: value", and
// digests and hashes set apart so they are shown only on demand.
import type { AuditEntry } from './types';

const SUBJECT_TYPE_TEXT: Record<string, string> = {
  child: 'Child',
  user: 'User',
  agency: 'Agency',
  alert: 'Alert',
  invite: 'Invitation',
  key_log: 'Key log',
  retention_run: 'Retention run',
  thread: 'Conversation',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX_DIGEST = /^[0-9a-f]{32,}$/i;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** A part of a value: plain words, or an identifier shown short with the full one available. */
export type Piece = { text: string } | { id: string; short: string };

export interface DetailItem {
  label: string;
  pieces: Piece[];
}

export function subjectTypeText(type: string): string {
  return SUBJECT_TYPE_TEXT[type] ?? words(type);
}

export const shortId = (id: string): string => id.slice(0, 8);

/** `privateDigest` → "Private digest", `sign_in` → "Sign in". */
export function words(key: string): string {
  const spaced = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_.]+/g, ' ')
    .toLowerCase()
    .trim();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** A digest or hash: by its name, or a long hexadecimal value that is no identifier. */
export function isDigest(key: string, value: unknown): boolean {
  return /digest|hash/i.test(key) || (typeof value === 'string' && HEX_DIGEST.test(value));
}

function pieces(value: unknown): Piece[] {
  if (value === null || value === undefined) return [{ text: 'none' }];
  if (typeof value === 'boolean') return [{ text: value ? 'yes' : 'no' }];
  if (typeof value === 'number') return [{ text: String(value) }];
  if (typeof value === 'string') {
    if (UUID.test(value)) return [{ id: value, short: shortId(value) }];
    if (ISO_TIME.test(value)) return [{ text: new Date(value).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) }];
    return [{ text: /^[a-z]+(_[a-z]+)+$/.test(value) ? value.replace(/_/g, ' ') : value }];
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return [{ text: 'none' }];
    return value.flatMap((item, i) => [...(i ? [{ text: ', ' }] : []), ...pieces(item)]);
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([k, v]) => !isDigest(k, v));
    return entries.flatMap(([k, v], i) => [{ text: `${i ? '; ' : ''}${words(k).toLowerCase()}: ` }, ...pieces(v)]);
  }
  return [{ text: JSON.stringify(value) }];
}

/** The detail split into what reads as words and the digests kept back until asked for. */
export function describeDetail(detail: Record<string, unknown> | null): { items: DetailItem[]; digests: DetailItem[] } {
  const items: DetailItem[] = [];
  const digests: DetailItem[] = [];
  for (const [key, value] of Object.entries(detail ?? {})) {
    const item = { label: words(key), pieces: pieces(value) };
    if (isDigest(key, value)) digests.push({ label: item.label, pieces: [{ text: String(typeof value === 'string' ? value : JSON.stringify(value)) }] });
    else items.push(item);
  }
  return { items, digests };
}

export const hasDigests = (entries: AuditEntry[]): boolean => entries.some((e) => describeDetail(e.detail).digests.length > 0);
