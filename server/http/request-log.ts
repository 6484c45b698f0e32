import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';

const REQUEST_ID = Symbol('requestId');

export function requestId(req: Request): string | undefined {
  return (req as Request & { [REQUEST_ID]?: string })[REQUEST_ID];
}

/**
 * One JSON log line per request with a request id. It logs the matched route pattern, never
 * the raw URL (invite tokens travel in URLs) and never bodies (they hold personal data).
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const id = randomUUID();
    (req as Request & { [REQUEST_ID]?: string })[REQUEST_ID] = id;
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const matched: unknown = req.route;
      const pattern = typeof matched === 'object' && matched !== null && 'path' in matched ? String(matched.path) : '';
      const route = pattern ? `${req.baseUrl}${pattern}` : req.baseUrl || 'unmatched';
      logger.info({ reqId: id, method: req.method, route, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request');
    });
    next();
  };
}
