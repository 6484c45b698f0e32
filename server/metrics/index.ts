import type { RequestHandler } from 'express';
import type { Config } from '../config';
import { metricsHandler } from './metrics.routes';
import { createHavenRegistry, type MetricSources } from './registry';
import { noMetrics, type ServiceMetrics } from './service-metrics';

export { countSend, countShare, noMetrics, type ServiceMetrics } from './service-metrics';

export interface HavenMetrics {
  /** What services and transports report to (a no-op when metrics are turned off). */
  service: ServiceMetrics;
  /** The GET /metrics handler: 404 when turned off, 401 without the token. */
  handler: RequestHandler;
  countSocketsWith(count: () => number): void;
  close(): Promise<void>;
}

/**
 * Prometheus metrics, turned on by HAVEN_METRICS_TOKEN. When off, nothing is registered or
 * collected (no default-metric observers in every test server) and /metrics answers 404.
 */
export function createMetrics(config: Config, sources: Omit<MetricSources, 'queuePrefix'>): HavenMetrics {
  const token = config.HAVEN_METRICS_TOKEN;
  if (!token) {
    return { service: noMetrics, handler: metricsHandler(undefined, null, sources.logger), countSocketsWith: () => undefined, close: () => Promise.resolve() };
  }
  const metrics = createHavenRegistry({ ...sources, queuePrefix: config.HAVEN_QUEUE_PREFIX });
  return {
    service: metrics.service,
    handler: metricsHandler(token, metrics, sources.logger),
    countSocketsWith: (count) => metrics.countSocketsWith(count),
    close: () => metrics.close(),
  };
}
