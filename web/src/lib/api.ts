// The one typed client of the REST contract (docs/api.md). Same-origin cookies carry
// the session; every non-GET carries the CSRF token (the session's own, or before sign-in a double-submit token).
import type { SignedAdminCertificate, SignedAdminCertificateRevocation } from '../../../crypto';
import type {
  Agency,
  AgencyKind,
  AuditEntry,
  AuditVerifyResult,
  Child,
  ChildSearchResult,
  RecentChild,
  LeadAdmin,
  LeadAppointment,
  LedChild,
  MultiAgencyEntry,
  CreatedInvite,
  DecisionBody,
  DirectoryAgency,
  Enrolment,
  InviteDetails,
  KeyBackup,
  KeyLogProof,
  NewChildBody,
  Notice,
  Obligation,
  EscalatedObligation,
  ParticipantBody,
  Person,
  PublicKeys,
  Role,
  Session,
  ShareEntry,
  AdminAlert,
  SignedTreeHead,
  SpecialFile,
  Thread,
  ThreadMessage,
  User,
  UserStatusFilter,
  VerbalShareBody,
  VerifyUserBody,
} from './types';
import type { IntegrityReportBody } from '../../../server/integrity/integrity.schema';
import type { NotificationPreferences } from '../../../server/notifications/preference-rules';
import type { AgencyDefaultsView, PreferencesView } from '../../../server/notifications/preferences.schema';
import type { PasskeyView } from '../../../server/accounts/passkeys.schema';
import type { SignInPolicyView } from '../../../server/agencies/agencies.schema';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/browser';

export interface ApiIssue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: ApiIssue[] = [],
    readonly retryAfterSeconds: number | null = null,
    /** Other fields of the error body, e.g. `duplicates` with 409 `possible_duplicate`. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

let csrfToken: string | null = null;
let onSignedOut: (() => void) | null = null;

/** Called when a signed-in request is refused with 401: the session has ended. */
export function setSignedOutHandler(handler: () => void): void {
  onSignedOut = handler;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function toApiError(status: number, body: unknown): ApiError {
  const error = isRecord(body) && isRecord(body['error']) ? body['error'] : {};
  const code = typeof error['code'] === 'string' ? error['code'] : 'unexpected_response';
  const message =
    typeof error['message'] === 'string' ? error['message'] : 'Something went wrong. Try again, and if it keeps happening contact your administrator.';
  const issues = Array.isArray(error['issues'])
    ? error['issues'].filter(isRecord).map((i) => ({
        path: typeof i['path'] === 'string' ? i['path'] : '',
        message: typeof i['message'] === 'string' ? i['message'] : '',
      }))
    : [];
  const { retryAfterSeconds: retry, code: _c, message: _m, issues: _i, ...extra } = error;
  return new ApiError(status, code, message, issues, typeof retry === 'number' ? retry : null, extra);
}

async function send(method: Method, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  try {
    return await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network_error', 'Haven could not be reached. Check your connection and try again.');
  }
}

async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  let response = await send(method, path, body);
  if (response.status === 403 && method !== 'GET') {
    const error = toApiError(403, await response.json().catch(() => null));
    if (error.code !== 'csrf_token_invalid') throw error;
    // The token may have been rotated with the session: fetch it once and retry.
    await getSession();
    response = await send(method, path, body);
  }
  if (response.status === 204) return undefined as T;
  const data: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = toApiError(response.status, data);
    if (response.status === 401 && !path.startsWith('/api/auth/')) onSignedOut?.();
    throw error;
  }
  // The CSRF token is bound to the session: an answer that starts one carries its token.
  if (isRecord(data) && typeof data['csrfToken'] === 'string') csrfToken = data['csrfToken'];
  // Same-origin server built against the same contract: trusted to match its types.
  return data as T;
}

/**
 * PUTs raw bytes (an encrypted attachment's chunk) and reads the JSON answer; `signal` cancels it.
 * A network failure is an ApiError with status 0, so the caller can ask where the upload stands.
 */
export async function putBytes<T>(path: string, bytes: Uint8Array, signal?: AbortSignal): Promise<T> {
  const attempt = async (): Promise<Response> => {
    const headers: Record<string, string> = { Accept: 'application/json', 'Content-Type': 'application/octet-stream' };
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
    try {
      // A view over the chunk, as fetch takes it (its own ArrayBuffer, so no other bytes go with it).
      return await fetch(path, { method: 'PUT', headers, credentials: 'same-origin', body: new Blob([bytes.slice()]), signal: signal ?? null });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiError(0, 'network_error', 'Haven could not be reached. Check your connection and try again.');
    }
  };
  let response = await attempt();
  if (response.status === 403) {
    const error = toApiError(403, await response.json().catch(() => null));
    if (error.code !== 'csrf_token_invalid') throw error;
    await getSession();
    response = await attempt();
  }
  const data: unknown = await response.json().catch(() => null);
  if (!response.ok) throw toApiError(response.status, data);
  return data as T;
}

/** GETs a binary answer as a stream (an encrypted attachment); a refusal is an ApiError. */
export async function getStream(path: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
  let response: Response;
  try {
    response = await fetch(path, { credentials: 'same-origin', signal: signal ?? null });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, 'network_error', 'Haven could not be reached. Check your connection and try again.');
  }
  if (!response.ok || !response.body) throw toApiError(response.status, await response.json().catch(() => null));
  return response.body;
}

// Exported for the other halves of this client (api-admin.ts), not for screens.
export const get = <T>(path: string) => request<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {});
const put = <T>(path: string, body: unknown) => request<T>('PUT', path, body);
const del = (path: string) => request<void>('DELETE', path);
export const seg = encodeURIComponent;

export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') q.set(key, String(value));
  }
  const text = q.toString();
  return text ? `?${text}` : '';
}

export async function getSession(): Promise<Session | null> {
  const res = await get<{ csrfToken: string; session: Session | null }>('/api/session');
  csrfToken = res.csrfToken;
  return res.session;
}

type SessionRes = Promise<{ session: Session }>;
type Pending = Promise<{ status: 'pending_verification' }>;

export const auth = {
  signIn: (email: string, password: string): SessionRes => post('/api/auth/sign-in', { email, password }),
  submitCode: (code: string): SessionRes => post('/api/auth/mfa', { code }),
  startEnrolment: (): Promise<Enrolment> => post('/api/auth/enrolment/start'),
  confirmEnrolment: (code: string): SessionRes => post('/api/auth/enrolment/confirm', { code }),
  signOut: (): Promise<void> => post('/api/auth/sign-out'),
  signOutEverywhere: (): Promise<void> => post('/api/auth/sign-out-everywhere'),
  register: (body: { email: string; name: string; password: string; agencyId: string }): Pending => post('/api/auth/register', body),
  getInvite: (token: string): Promise<InviteDetails> => get(`/api/auth/invites/${seg(token)}`),
  acceptInvite: (token: string, body: { name: string; password: string }): Pending => post(`/api/auth/invites/${seg(token)}/accept`, body),
  /** The same answer whether or not the address has an account. */
  requestPasswordReset: (email: string): Promise<{ status: 'sent_if_known' }> => post('/api/auth/password-reset', { email }),
  describePasswordReset: (token: string): Promise<{ expiresAt: string }> => get(`/api/auth/password-reset/${seg(token)}`),
  resetPassword: (token: string, body: { password: string; code: string }): Promise<{ status: 'password_changed' }> =>
    post(`/api/auth/password-reset/${seg(token)}`, body),
};

export const agencies = {
  directory: (): Promise<{ agencies: DirectoryAgency[] }> => get('/api/agencies/directory'),
  list: (): Promise<{ agencies: Agency[] }> => get('/api/agencies'),
  create: (body: { name: string; kind: AgencyKind; contactEmail?: string }): Promise<{ agency: Agency }> => post('/api/agencies', body),
  setProtocol: (id: string, body: { signed: true; signedOn: string } | { signed: false }): Promise<{ agency: Agency }> =>
    post(`/api/agencies/${seg(id)}/protocol`, body),
};

export const users = {
  list: (status: UserStatusFilter, agencyId?: string): Promise<{ users: User[] }> => get(`/api/users${query({ status, agencyId })}`),
  invite: (body: { email: string; agencyId: string; role: Role }): Promise<CreatedInvite> => post('/api/invites', body),
  verify: (id: string, body: VerifyUserBody): Promise<{ user: User }> => post(`/api/users/${seg(id)}/verify`, body),
  suspend: (id: string, reason: string): Promise<{ user: User }> => post(`/api/users/${seg(id)}/suspend`, { reason }),
  reinstate: (id: string, reason: string): Promise<{ user: User }> => post(`/api/users/${seg(id)}/reinstate`, { reason }),
};

export interface AuditQuery {
  action?: string;
  from?: string;
  to?: string;
  limit?: number;
  beforeSeq?: number;
}

export const audit = {
  list: (q: AuditQuery): Promise<{ entries: AuditEntry[] }> => get(`/api/audit${query({ ...q })}`),
  verify: (): Promise<AuditVerifyResult> => get('/api/audit/verify'),
};

export interface ChildSearch {
  name?: string;
  dateOfBirth?: string;
  postcode?: string;
}

/** Actions that may take a child off the index answer `{child: null}` when they do. */
type MaybeChild = Promise<{ child: Child | null }>;
type ChildRes = Promise<{ child: Child }>;
export type ContactChange = 'remove' | 'shield' | 'unshield';

export const children = {
  recent: (): Promise<{ children: RecentChild[] }> => get('/api/children/recent'),
  /** The children this practitioner is lead practitioner for. */
  led: (): Promise<{ children: LedChild[] }> => get('/api/children/led-by-me'),
  /** Admins of an involved agency: the current lead and whom they could appoint. */
  lead: (id: string): Promise<LeadAdmin> => get(`/api/children/${seg(id)}/lead-practitioner`),
  appointLead: (id: string, body: { userId: string; reason: string }): Promise<{ lead: LeadAppointment }> =>
    put(`/api/children/${seg(id)}/lead-practitioner`, body),
  endLead: (id: string, reason: string): Promise<{ lead: null }> => post(`/api/children/${seg(id)}/lead-practitioner/end`, { reason }),
  search: (q: ChildSearch): Promise<ChildSearchResult> => get(`/api/children${query({ ...q })}`),
  create: (body: NewChildBody): ChildRes => post('/api/children', body),
  open: (id: string, reason: string): ChildRes => post(`/api/children/${seg(id)}/open`, { reason }),
  confirmDetails: (id: string): ChildRes => post(`/api/children/${seg(id)}/confirm-details`),
  startInvolvement: (id: string): MaybeChild => post(`/api/children/${seg(id)}/involvement`),
  endInvolvement: (id: string): MaybeChild => post(`/api/children/${seg(id)}/involvement/end`),
  raiseConcern: (id: string): MaybeChild => post(`/api/children/${seg(id)}/concerns`),
  clearConcern: (id: string, flagId: string): MaybeChild => post(`/api/children/${seg(id)}/concerns/${seg(flagId)}/clear`),
  shield: (id: string, reason: string): ChildRes => post(`/api/children/${seg(id)}/shield`, { reason }),
  unshield: (id: string, reason: string): ChildRes => post(`/api/children/${seg(id)}/unshield`, { reason }),
  override: (id: string, reason: string): ChildRes => post(`/api/children/${seg(id)}/override`, { reason }),
  addContact: (id: string, body: { service: string; contact: string }): ChildRes => post(`/api/children/${seg(id)}/contacts`, body),
  changeContact: (id: string, contactId: string, change: ContactChange, reason: string): ChildRes =>
    post(`/api/children/${seg(id)}/contacts/${seg(contactId)}/${change}`, { reason }),
};

export const alerts = {
  list: (): Promise<{ alerts: AdminAlert[] }> => get('/api/alerts'),
  acknowledge: (id: string): Promise<void> => post(`/api/alerts/${seg(id)}/acknowledge`),
};

type KeyPublicationBody = { signPublicKey: string; boxPublicKey: string; proof: string };

export const keys = {
  /** 404 `no_keys` until this user has published keys from some browser. */
  mine: (): Promise<{ keys: PublicKeys | null }> => get('/api/keys/me'),
  /** The public halves and the proof of possession (docs/key-log.md, "Publishing keys"). */
  publish: (body: KeyPublicationBody): Promise<{ keys: PublicKeys }> => put('/api/keys/me', body),
  of: (userIds: string[]): Promise<{ keys: (PublicKeys & { agencyId: string | null })[] }> => get(`/api/keys${query({ userIds: userIds.join(',') })}`),
  /** Replaces this user's keys deliberately (logged, so correspondents are warned). */
  replace: (body: KeyPublicationBody): Promise<{ keys: PublicKeys }> => put('/api/keys/me', { ...body, replace: true }),
  /** 404 `no_key_backup` when none was made. */
  backup: (): Promise<{ backup: KeyBackup }> => get('/api/keys/backup'),
  backupStatus: (): Promise<{ exists: boolean; savedAt: string | null }> => get('/api/keys/backup/status'),
  saveBackup: (backup: KeyBackup): Promise<void> => put('/api/keys/backup', backup),
};

/** Admin certificates as the server lists them; each is checked against this build's organisation root before it counts. */
export const adminCertificates = {
  list: (): Promise<{ certificates: (SignedAdminCertificate & { name: string })[]; revocations: SignedAdminCertificateRevocation[] }> =>
    get('/api/admin-certificates'),
};

/** What comes by e-mail and when: one's own choices, and an agency's defaults (its admins). */
export const passkeys = {
  list: (): Promise<{ passkeys: PasskeyView[] }> => get('/api/me/passkeys'),
  /** The password again, then the browser's challenge. */
  registrationOptions: (password: string): Promise<{ options: PublicKeyCredentialCreationOptionsJSON }> => post('/api/me/passkeys/options', { password }),
  register: (name: string, response: RegistrationResponseJSON): Promise<{ passkey: PasskeyView }> => post('/api/me/passkeys', { name, response }),
  remove: (id: string): Promise<void> => del(`/api/me/passkeys/${seg(id)}`),
  secondFactorOptions: (): Promise<{ options: PublicKeyCredentialRequestOptionsJSON }> => post('/api/auth/passkey/options'),
  completeSecondFactor: (response: AuthenticationResponseJSON): SessionRes => post('/api/auth/passkey', { response }),
  signInOptions: (): Promise<{ options: PublicKeyCredentialRequestOptionsJSON }> => post('/api/auth/passkey-sign-in/options'),
  signIn: (response: AuthenticationResponseJSON): SessionRes => post('/api/auth/passkey-sign-in', { response }),
  signInPolicy: (agencyId: string): Promise<SignInPolicyView> => get(`/api/agencies/${seg(agencyId)}/sign-in-policy`),
  setSignInPolicy: (agencyId: string, passkeyOnlySignIn: boolean): Promise<SignInPolicyView> =>
    put(`/api/agencies/${seg(agencyId)}/sign-in-policy`, { passkeyOnlySignIn }),
};

export const notificationPreferences = {
  mine: (): Promise<PreferencesView> => get('/api/me/notification-preferences'),
  /** Null: back to the agency's defaults. */
  setMine: (preferences: NotificationPreferences | null): Promise<PreferencesView> => put('/api/me/notification-preferences', { preferences }),
  agencyDefaults: (agencyId: string): Promise<AgencyDefaultsView> => get(`/api/agencies/${seg(agencyId)}/notification-defaults`),
  setAgencyDefaults: (agencyId: string, preferences: NotificationPreferences | null): Promise<AgencyDefaultsView> =>
    put(`/api/agencies/${seg(agencyId)}/notification-defaults`, { preferences }),
};

export const keyLog = {
  head: (): Promise<{ head: SignedTreeHead | null }> => get('/api/key-log/head'),
  proof: (userId: string): Promise<KeyLogProof> => get(`/api/key-log/proof${query({ userId })}`),
  consistency: (from: number, to?: number): Promise<{ proof: string[]; head: SignedTreeHead; from: SignedTreeHead | null }> =>
    get(`/api/key-log/consistency${query({ from, to })}`),
};

export const threads = {
  list: (): Promise<{ threads: Thread[] }> => get('/api/threads'),
  get: (id: string): Promise<{ thread: Thread; messages: ThreadMessage[] }> => get(`/api/threads/${seg(id)}`),
  start: (childId: string, body: { participants: ParticipantBody[]; record: unknown }): Promise<{ thread: Thread }> =>
    post(`/api/children/${seg(childId)}/threads`, body),
  addParticipant: (id: string, body: { userId: string; needToKnowReason?: string | null | undefined; record: unknown }): Promise<{ thread: Thread }> =>
    post(`/api/threads/${seg(id)}/participants`, body),
};

export const people = {
  find: (name: string): Promise<{ people: Person[] }> => get(`/api/people${query({ name })}`),
};

type EntryRes = Promise<{ entry: ShareEntry }>;

export const shares = {
  chronology: (childId: string): Promise<{ entries: ShareEntry[] }> => get(`/api/children/${seg(childId)}/chronology`),
  /** Every agency's entries about the child: the current lead practitioner only (403 for anyone else, with why). */
  allAgencies: (childId: string): Promise<{ entries: MultiAgencyEntry[] }> => get(`/api/children/${seg(childId)}/chronology/all-agencies`),
  recordVerbal: (childId: string, body: VerbalShareBody): EntryRes => post(`/api/children/${seg(childId)}/verbal-shares`, body),
  recordDecision: (childId: string, body: DecisionBody): EntryRes => post(`/api/children/${seg(childId)}/decisions`, body),
  reopen: (id: string, reason: string): EntryRes => post(`/api/shares/${seg(id)}/reopen`, { reason }),
};

/** The offending-risk tier: marking, the special file and its officers, written-record obligations. */
export const offending = {
  mark: (childId: string, reason: string): Promise<{ marked: true; specialFileId: string }> => post(`/api/children/${seg(childId)}/offending-risk`, { reason }),
  unmark: (childId: string, reason: string): Promise<{ marked: false }> => post(`/api/children/${seg(childId)}/offending-risk/unmark`, { reason }),
  specialFile: (childId: string): Promise<SpecialFile> => get(`/api/children/${seg(childId)}/special-file`),
  addOfficer: (childId: string, body: { userId: string; record: unknown }): Promise<{ officerIds: string[] }> =>
    post(`/api/children/${seg(childId)}/case-officers`, body),
};

export const obligations = {
  mine: (): Promise<{ obligations: Obligation[] }> => get('/api/obligations/mine'),
  escalations: (): Promise<{ obligations: EscalatedObligation[] }> => get('/api/obligations/escalations'),
  cancel: (id: string, reason: string): Promise<{ obligation: Obligation }> => post(`/api/obligations/${seg(id)}/cancel`, { reason }),
  notices: (): Promise<{ notices: Notice[] }> => get('/api/notices'),
  readNotice: (id: string): Promise<void> => post(`/api/notices/${seg(id)}/read`),
};

/** Reports of something this client refused as altered on the server (docs/envelope.md, docs/sealed-note.md). */
export const integrity = {
  report: (body: IntegrityReportBody): Promise<{ reported: true; alerted: boolean }> => post('/api/integrity-reports', body),
};
