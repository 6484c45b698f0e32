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

/**
 * Something that still works but not as it should (a job schedule missing, a sweep overdue):
 * its problems, in plain words, or none. A failing check counts as no problems: the dependency
 * it reads is reported down by its own probe.
 */
export interface HealthCheck {
  name: string;
  problems(): Promise<string[]>;
}

async function problemsOf(check: HealthCheck): Promise<string[]> {
  let problems: string[] = [];
  try {
    await withTimeout(
      check.problems().then((found) => {
        problems = found;
      }),
    );
  } catch {
    return [];
  }
  return problems;
}

/**
 * 200 `ok` when every dependency answers and nothing is amiss; 200 `degraded` with the reasons
 * when a check finds problems (the server still serves: a load balancer must keep it, an alert
 * must fire); 503 `down` naming each dependency that does not answer.
 */
export function healthHandler(probes: HealthProbe[], notConfigured: string[], checks: HealthCheck[] = []): RequestHandler {
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
    const degraded = (await Promise.all(checks.map(problemsOf))).flat();
    const body = {
      status: down.length ? 'down' : degraded.length ? 'degraded' : 'ok',
      ...Object.fromEntries(results),
      ...Object.fromEntries(notConfigured.map((n) => [n, 'not_configured'])),
      ...(down.length ? { down } : {}),
      ...(degraded.length ? { degraded } : {}),
    };
    res.status(down.length ? 503 : 200).json(body);
  };
}
