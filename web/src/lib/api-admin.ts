// The admin half of the REST contract (docs/api.md): retention and legal holds, audit reports,
// subject access requests, and attesting a user's keys. Same plumbing as api.ts.
import { ApiError, get, post, query, seg, toApiError } from './api';
import type { AuditEntry, MailSetup, Requester, RetentionResult, RetentionRule, RetentionRun, SubjectAccessRequest } from './types';

export const retention = {
  schedule: (): Promise<{ schedule: RetentionRule[] }> => get('/api/retention/schedule'),
  runs: (): Promise<{ runs: RetentionRun[] }> => get('/api/retention/runs'),
  run: (dryRun: boolean): Promise<RetentionResult> => post('/api/retention/runs', { dryRun }),
  /** One run with its progress (`done` of `total`), kept on its row as it goes. */
  runStatus: (runId: string): Promise<{ run: RetentionRun }> => get(`/api/retention/runs/${seg(runId)}`),
  placeHold: (childId: string, reason: string): Promise<void> => post(`/api/children/${seg(childId)}/legal-hold`, { reason }),
  releaseHold: (childId: string, reason: string): Promise<void> => post(`/api/children/${seg(childId)}/legal-hold/release`, { reason }),
};

/** Whether e-mail notices go to an SMTP server, or to a folder on the server because none is set up. */
export const mail = {
  status: (): Promise<{ mail: MailSetup }> => get('/api/mail/status'),
};

export type ReportKind = 'child' | 'user';
/** Dates as YYYY-MM-DD; either may be left out. */
export interface ReportRange {
  from?: string;
  to?: string;
}

const reportPath = (kind: ReportKind, id: string, range: ReportRange, format: 'json' | 'csv') =>
  `/api/audit/reports/${kind}/${seg(id)}${query({ from: range.from, to: range.to, format })}`;

export const reports = {
  /** Oldest first: who accessed a child's information, or what a user accessed. */
  get: (kind: ReportKind, id: string, range: ReportRange): Promise<{ entries: AuditEntry[] }> => get(reportPath(kind, id, range, 'json')),
  /** The same report as CSV, for a same-origin download link (the session cookie goes with it). */
  csvUrl: (kind: ReportKind, id: string, range: ReportRange): string => reportPath(kind, id, range, 'csv'),
};

type RequestRes = Promise<{ request: SubjectAccessRequest }>;

export const subjectAccess = {
  list: (): Promise<{ requests: SubjectAccessRequest[] }> => get('/api/subject-access-requests'),
  create: (body: { childId: string; requestedOn: string; requestedBy: Requester }): RequestRes => post('/api/subject-access-requests', body),
  complete: (id: string): RequestRes => post(`/api/subject-access-requests/${seg(id)}/complete`),
  /** The export as a printable page or as data, for a link (producing it is audited). */
  exportUrl: (id: string, format: 'html' | 'json'): string => `/api/subject-access-requests/${seg(id)}/export${query({ format })}`,
  /**
   * The export as data, read as it arrives: `onResponse` once the server has built it (with its
   * size when the server gives one), `onBytes` as the body comes in.
   */
  async download(id: string, progress: { onResponse(size: number | null): void; onBytes(received: number): void }): Promise<Blob> {
    let response: Response;
    try {
      response = await fetch(subjectAccess.exportUrl(id, 'json'), { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    } catch {
      throw new ApiError(0, 'network_error', 'Haven could not be reached. Check your connection and try again.');
    }
    if (!response.ok) throw toApiError(response.status, await response.json().catch(() => null));
    const length = Number(response.headers.get('Content-Length'));
    progress.onResponse(Number.isFinite(length) && length > 0 ? length : null);
    if (!response.body) return response.blob();
    const chunks: Uint8Array<ArrayBuffer>[] = [];
    let received = 0;
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.byteLength;
      progress.onBytes(received);
    }
    return new Blob(chunks, { type: 'application/json' });
  },
};

export const keyAttestation = {
  /** 409 `fingerprint_changed` when the user's keys changed since the admin checked them. */
  attest: (userId: string, body: { fingerprint: string; attestation: string }): Promise<void> => post(`/api/users/${seg(userId)}/key-attestation`, body),
};
