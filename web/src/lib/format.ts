import type { AgencyKind, ChildGender, ParentRelationship, Role, UserStatus } from './types';

export const ROLE_LABELS: Record<Role, string> = {
  practitioner: 'Practitioner',
  designated_officer: 'Designated officer',
  agency_admin: 'Agency admin',
  system_admin: 'System admin',
};

export const KIND_LABELS: Record<AgencyKind, string> = {
  children_social_care: "Children's social care",
  police: 'Police',
  health: 'Health',
  education: 'Education',
  youth_offending: 'Youth offending',
  voluntary: 'Voluntary sector',
  other: 'Other',
};

export const STATUS_LABELS: Record<UserStatus, string> = {
  pending: 'Waiting for verification',
  verified: 'Verified',
  expired: 'Verification expired',
  suspended: 'Suspended',
};

export const GENDER_LABELS: Record<ChildGender, string> = {
  female: 'Female',
  male: 'Male',
  other: 'Other',
  not_recorded: 'Not recorded',
};

export const RELATIONSHIP_LABELS: Record<ParentRelationship, string> = {
  mother: 'Mother',
  father: 'Father',
  parental_responsibility: 'Person with parental responsibility',
  carer: 'Carer',
};

const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const timeOptions: Intl.DateTimeFormatOptions = {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'Europe/London',
};
const timeFormat = new Intl.DateTimeFormat('en-GB', timeOptions);
const dayFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
const longTimeFormat = new Intl.DateTimeFormat('en-GB', { ...timeOptions, month: 'long' });
const preciseFormat = new Intl.DateTimeFormat('en-GB', { ...timeOptions, second: '2-digit' });

/** "2025-03-04" → "4 March 2025" (a calendar date, no time zone shift). */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return 'Not recorded';
  const date = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? iso : dateFormat.format(date);
}

/** An instant, shown in UK time; `precise` adds seconds (audit). */
export function formatTime(iso: string, precise = false): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return (precise ? preciseFormat : timeFormat).format(date);
}

/** The UK calendar day of an instant, long form: "9 March 2026". */
export function formatDay(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dayFormat.format(date);
}

/** An instant in UK time, long form: "9 March 2026 at 14:05". */
export function formatLongTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : longTimeFormat.format(date);
}

/** "JBSWY3DPEHPK3PXP" → "JBSW Y3DP EHPK 3PXP", easier to read and type. */
export function groupSecret(secret: string): string {
  return secret.replace(/\s/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}

/** An SVG document as a data: URL, so the page needs no inline markup (CSP). */
export function svgDataUrl(svg: string): string {
  const bytes = new TextEncoder().encode(svg);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}

/** Local calendar day as an ISO instant: start of `from`, end of `to`. */
export function dayStart(date: string): string {
  return new Date(`${date}T00:00:00`).toISOString();
}

export function dayEnd(date: string): string {
  return new Date(`${date}T23:59:59.999`).toISOString();
}

/** A file size in words people read: "840 KB", "12.5 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  if (bytes < 1_000_000) return `${Math.round(bytes / 1000)} KB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
