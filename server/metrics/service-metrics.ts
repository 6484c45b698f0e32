/**
 * What services and transports report to the metrics, as a small typed interface: they never
 * import prom-client. Every label is one of the closed vocabularies below — never an id, a
 * name, an address or anything else about a person or a child.
 */
import {
  ConflictError,
  ForbiddenError,
  GoneError,
  NotFoundError,
  TooManyRequestsError,
  UnauthenticatedError,
  UnavailableError,
  ValidationError,
} from '../errors';
import { isDatabaseUnavailable } from '../db/unavailable';

/** The share log's kinds a practitioner records (a conversation started is one), messages and written records, and corrections of any kind. */
export const SHARE_METRIC_KINDS = [
  'thread_started',
  'message',
  'written_record',
  'verbal',
  'decision_not_to_share',
  'decision_reopened',
  'correction',
] as const;
export type ShareMetricKind = (typeof SHARE_METRIC_KINDS)[number];

/** `duplicate`: a resend of something already stored (answered with the first result, nothing new stored). */
export type ShareOutcome = 'accepted' | 'duplicate' | 'rejected';

export const REJECTION_REASONS = ['validation', 'forbidden', 'conflict', 'not_found', 'rate_limited', 'unauthenticated', 'unavailable', 'error'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface ServiceMetrics {
  share(kind: ShareMetricKind, outcome: ShareOutcome, reason?: RejectionReason): void;
  /** Seconds from receiving a `share:send` event to answering it. */
  sendAcked(seconds: number): void;
  jobFailed(job: string): void;
}

/** For contexts nobody scrapes (scripts, seeding, a server with metrics turned off). */
export const noMetrics: ServiceMetrics = {
  share: () => undefined,
  sendAcked: () => undefined,
  jobFailed: () => undefined,
};

/** The class of a refusal, as bounded as the typed errors it comes from. */
export function rejectionReason(error: unknown): RejectionReason {
  if (error instanceof ValidationError) return 'validation';
  if (error instanceof ForbiddenError) return 'forbidden';
  if (error instanceof ConflictError || error instanceof GoneError) return 'conflict';
  if (error instanceof NotFoundError) return 'not_found';
  if (error instanceof TooManyRequestsError) return 'rate_limited';
  if (error instanceof UnauthenticatedError) return 'unauthenticated';
  if (error instanceof UnavailableError || isDatabaseUnavailable(error)) return 'unavailable';
  return 'error';
}

/**
 * Runs one attempt to record a share and counts its outcome; the result or the error passes
 * through unchanged. Transports wrap their whole handler (input parsing included), so a
 * malformed request counts as a rejected share too.
 */
export async function countShare<T>(
  metrics: ServiceMetrics | undefined,
  kind: ShareMetricKind,
  attempt: () => Promise<T>,
  isDuplicate: (result: T) => boolean = () => false,
): Promise<T> {
  const sink = metrics ?? noMetrics;
  try {
    const result = await attempt();
    sink.share(kind, isDuplicate(result) ? 'duplicate' : 'accepted');
    return result;
  } catch (error) {
    sink.share(kind, 'rejected', rejectionReason(error));
    throw error;
  }
}

/**
 * A `share:send`: counted as a message or written record (the envelope says which; an
 * accepted one was checked against its conversation) and timed from `receivedAt`
 * (`performance.now()` when the event arrived) to the ack, which the gateway sends as soon
 * as this settles.
 */
export async function countSend<T extends { duplicate: boolean }>(
  metrics: ServiceMetrics | undefined,
  envelope: unknown,
  receivedAt: number,
  attempt: () => Promise<T>,
): Promise<T> {
  try {
    return await countShare(metrics, sentKind(envelope), attempt, (r) => r.duplicate);
  } finally {
    (metrics ?? noMetrics).sendAcked((performance.now() - receivedAt) / 1000);
  }
}

function sentKind(envelope: unknown): ShareMetricKind {
  const header = typeof envelope === 'object' && envelope !== null && 'header' in envelope ? envelope.header : undefined;
  const kind = typeof header === 'object' && header !== null && 'kind' in header ? header.kind : undefined;
  return kind === 'written_record' ? 'written_record' : 'message';
}
