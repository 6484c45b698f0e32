import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { HavenRegistry } from './registry';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compares in constant time; hashing first makes the lengths equal, so the length does not leak either. */
function tokenMatches(given: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(given), expected);
}

/**
 * GET /metrics in the Prometheus text format, for a scraper holding the token
 * (`Authorization: Bearer …`). It sits outside /api: no session, cookie or CSRF token is
 * involved. Without a configured token the endpoint does not exist (404).
 */
export function metricsHandler(token: string | undefined, metrics: HavenRegistry | null, logger: Logger): RequestHandler {
  const expected = token ? digest(token) : null;
  return async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (!expected || !metrics) {
      res.status(404).type('text/plain').send('Not found');
      return;
    }
    const match = /^Bearer ([\x21-\x7e]+)$/.exec(req.get('authorization') ?? '');
    if (!match?.[1] || !tokenMatches(match[1], expected)) {
      res.status(401).set('WWW-Authenticate', 'Bearer').type('text/plain').send('Unauthorised');
      return;
    }
    try {
      const body = await metrics.scrape();
      res.status(200).type(metrics.registry.contentType).send(body);
    } catch (error) {
      logger.error({ err: error instanceof Error ? error.message : String(error) }, 'metrics scrape failed');
      res.status(500).type('text/plain').send('Metrics are unavailable just now');
    }
  };
}
