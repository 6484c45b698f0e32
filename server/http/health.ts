import type { RequestHandler } from 'express';

export interface HealthProbe {
  name: string;
  check(): Promise<void>;
}

const PROBE_TIMEOUT_MS = 2_000;

function withTimeout(promise: Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), PROBE_TIMEOUT_MS);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

/** 200 when every dependency answers; 503 naming each one that does not. */
export function healthHandler(probes: HealthProbe[], notConfigured: string[]): RequestHandler {
  return async (_req, res) => {
    const results = await Promise.all(
      probes.map(async (probe) => {
        try {
          await withTimeout(probe.check());
          return [probe.name, 'ok'] as const;
        } catch {
          return [probe.name, 'down'] as const;
        }
      }),
    );
    const down = results.filter(([, state]) => state === 'down').map(([name]) => name);
    const body = {
      status: down.length ? 'down' : 'ok',
      ...Object.fromEntries(results),
      ...Object.fromEntries(notConfigured.map((n) => [n, 'not_configured'])),
      ...(down.length ? { down } : {}),
    };
    res.status(down.length ? 503 : 200).json(body);
  };
}
