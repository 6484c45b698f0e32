/**
 * When to try an e-mail again, and which failures are worth trying again. Pure (unit-tested).
 */

/** Doublings before the wait stops growing: 64 times the first wait (an hour, with the default minute). */
const MAX_DOUBLINGS = 6;

/** The wait after failed attempt `attempt` (1 for the first): base, 2×base, 4×base … up to 64×base. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  const doublings = Math.min(Math.max(attempt, 1) - 1, MAX_DOUBLINGS);
  return baseMs * 2 ** doublings;
}

export interface SendFailure {
  /** A 5xx answer to the message: the server refused it for good (a bounce); trying again cannot help. */
  permanent: boolean;
  /** What is kept and logged: reply code and enhanced status, or a kind of error. Never the server's free text, which may quote the address. */
  summary: string;
}

const ERROR_CODE = /^[A-Z][A-Z_]{1,20}$/;
const ENHANCED = /\b([245]\.\d{1,3}\.\d{1,3})\b/;

/**
 * Classifies what nodemailer threw. Refused authentication or TLS are the installation's settings,
 * not the message: they are retried (an operator fixes them) rather than failing every e-mail.
 */
export function classifySendError(error: unknown): SendFailure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; responseCode?: unknown; response?: unknown };
  const code = typeof e.code === 'string' && ERROR_CODE.test(e.code) ? e.code : null;
  const reply = typeof e.responseCode === 'number' && Number.isInteger(e.responseCode) ? e.responseCode : null;
  const enhanced = typeof e.response === 'string' ? ENHANCED.exec(e.response)?.[1] : undefined;
  if (code === 'EAUTH') return { permanent: false, summary: `SMTP authentication refused${reply ? ` (${reply})` : ''}` };
  if (code === 'ETLS') return { permanent: false, summary: 'SMTP server offers no usable TLS' };
  if (reply !== null && reply >= 500 && reply < 600) return { permanent: true, summary: `SMTP ${reply}${enhanced ? ` ${enhanced}` : ''} (refused for good)` };
  if (reply !== null && reply >= 400 && reply < 500) return { permanent: false, summary: `SMTP ${reply}${enhanced ? ` ${enhanced}` : ''} (try again later)` };
  return { permanent: false, summary: `could not reach the SMTP server (${code ?? 'unknown error'})` };
}
