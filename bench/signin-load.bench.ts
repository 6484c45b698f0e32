import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { ready } from '../crypto';
import { createHaven } from '../server/app';
import { loadConfig } from '../server/config';
import { seedDemo } from '../server/demo/seed';
import { silentNotifier } from '../server/shared/context';
import { ApiClient } from '../test/support/client';
import { createTestDatabase } from '../test/support/database';
import { median, type BenchResult } from './harness';
import { TEST_TRUST_ENV } from '../test/support/trust-roots';

const WRONG = 'not the password at all';

function p99(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
}

/** `/api/health` asked one request at a time for `ms` milliseconds (with a short pause between), each answer timed. */
async function probeHealth(url: string, ms: number): Promise<number[]> {
  const samples: number[] = [];
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const t = performance.now();
    const res = await fetch(`${url}/api/health`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`health answered ${res.status}`);
    samples.push(performance.now() - t);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return samples;
}

/**
 * What the outside review measured (issue 16): `/api/health` while a crowd of failed sign-ins
 * runs, against `/api/health` on the same server idle. `attackers` clients each keep one failed
 * sign-in in flight, each from an address of its own (one trusted proxy, X-Forwarded-For) with a
 * fresh unknown e-mail address every time, so no per-address or per-account limit turns them
 * away; the password queue holds all of them, so every attempt is hashed (Argon2id) rather than
 * refused at once with 503, as the default queue would refuse most. Then, on the idle server, the
 * time of a wrong password for an existing account against one for an unknown address.
 */
export async function signInLoadBench(
  options: { attackers: number; seconds: number; timingRounds: number },
  log: (line: string) => void,
): Promise<BenchResult[]> {
  await ready();
  const database = await createTestDatabase();
  // The anchor file goes to a folder of the bench's own, not ./data.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'haven-bench-'));
  try {
    const config = loadConfig({
      ...TEST_TRUST_ENV,
      PORT: '0',
      HAVEN_DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      LOG_LEVEL: 'silent',
      HAVEN_TRUST_PROXY: '1',
      HAVEN_PASSWORD_QUEUE: String(options.attackers),
      HAVEN_LOCKOUT_THRESHOLD: '100000',
    });
    const demo = (await seedDemo({ db: database.handle.db, config, clock: () => new Date(), notifier: silentNotifier })) ?? [];
    const haven = createHaven({
      config,
      auditKeys: database.auditKeys,
      database: database.handle,
      redis: null,
      logger: pino({ level: 'silent' }),
      clock: () => new Date(),
    });
    const url = `http://127.0.0.1:${await haven.listen()}`;
    let addresses = 0;
    /** A client at an address of its own, holding its CSRF token already: only the sign-in itself is timed. */
    const freshClient = async () => {
      addresses += 1;
      const client = new ApiClient(url, `10.${addresses >> 16}.${(addresses >> 8) & 255}.${addresses & 255}`);
      await client.refreshCsrf();
      return client;
    };
    // Start the hashing workers, so neither round pays for that.
    await (await freshClient()).post('/api/auth/sign-in', { email: 'warm.up@bench.example', password: WRONG });

    const idle = await probeHealth(url, options.seconds * 1000);
    let running = true;
    const statuses = new Map<number, number>();
    let hashed = 0;
    const loadStart = performance.now();
    const attackers = Array.from({ length: options.attackers }, async (_, i) => {
      const client = new ApiClient(url, `192.0.2.${i + 1}`);
      for (let n = 0; running; n += 1) {
        const res = await client.post('/api/auth/sign-in', { email: `attacker.${i}.${n}@bench.example`, password: WRONG });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 401) hashed += 1;
      }
    });
    // Let every attacker's first attempt reach the queue before measuring.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const loaded = await probeHealth(url, options.seconds * 1000);
    const hashedPerSecond = hashed / ((performance.now() - loadStart) / 1000);
    running = false;
    await Promise.all(attackers);
    log(
      `signin-load: ${options.attackers} concurrent failed sign-ins, ${config.HAVEN_PASSWORD_WORKERS} hashing worker(s); answers ${[...statuses]
        .map(([status, n]) => `${n} × ${status}`)
        .join(
          ', ',
        )}; ${hashedPerSecond.toFixed(1)} hashed/s; /api/health p50 idle ${median(idle).toFixed(1)} ms, loaded ${median(loaded).toFixed(1)} ms, max loaded ${Math.max(...loaded).toFixed(1)} ms`,
    );

    // Alternating, so both are timed at the same speed of the machine, and each going first in
    // every other round (whichever goes second finds the hashing worker warm).
    const existing: number[] = [];
    const unknown: number[] = [];
    const accounts = demo.map((a) => a.email);
    for (let round = 0; round < options.timingRounds; round += 1) {
      const pair = [
        [accounts[round % accounts.length] ?? '', existing],
        [`nobody.${round}@bench.example`, unknown],
      ] as const;
      for (const [email, times] of round % 2 ? [...pair].reverse() : pair) {
        const client = await freshClient();
        const t = performance.now();
        const res = await client.post('/api/auth/sign-in', { email, password: WRONG });
        times.push(performance.now() - t);
        if (res.status !== 401) throw new Error(`a wrong password answered ${res.status}`);
      }
    }
    await haven.close();
    log(
      `signin-timing: ${options.timingRounds} wrong passwords each; existing account median ${median(existing).toFixed(1)} ms, unknown address ${median(unknown).toFixed(1)} ms`,
    );

    return [
      { name: 'signin-load', haven: p99(loaded), baseline: p99(idle), ratio: p99(loaded) / p99(idle), unit: 'ms p99', goal: '≤ 3× (lower is better)' },
      {
        name: 'signin-timing',
        haven: median(existing),
        baseline: median(unknown),
        ratio: median(existing) / median(unknown),
        unit: 'ms median',
        goal: 'reported (≈ 1×: an unknown address answers as slowly)',
      },
    ];
  } finally {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
