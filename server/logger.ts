import { pino, type Logger } from 'pino';

/**
 * JSON-lines logger. Redaction is a safety net: code must not log personal data or secrets in
 * the first place, but if a header or credential field ever reaches a log line it is masked.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'haven' },
    redact: {
      paths: ['req.headers.cookie', 'headers.cookie', '*.password', '*.totpSecret', '*.token', 'password', 'token', 'code'],
      censor: '[redacted]',
    },
  });
}
