import { readdirSync, readFileSync } from 'node:fs';

// Linux's clock ticks per second for /proc's CPU times (USER_HZ), 100 on every mainstream kernel.
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system, every thread) a process has used, from /proc, with those of its
 * children that have exited if `withExitedChildren`; undefined where there is no /proc.
 */
export function processCpuSeconds(pid: number, withExitedChildren = false): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and brackets: the fields after it start after its last ')'.
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    const [user = 0, system = 0, childrenUser = 0, childrenSystem = 0] = fields.slice(11, 15);
    return (user + system + (withExitedChildren ? childrenUser + childrenSystem : 0)) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds used by every PostgreSQL process on this machine (the benchmark's database is
 * local), counting backends that exited meanwhile: the postmaster collects their times.
 */
function postgresCpuSeconds(): number | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  let total = 0;
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue; // exited meanwhile
    }
    total += processCpuSeconds(Number(pid), true) ?? 0;
  }
  return total;
}

export interface CpuReading {
  server: number | undefined;
  harness: number;
  database: number | undefined;
}

/** Where the machine's CPU went: the server process, this harness, PostgreSQL. */
export function readCpu(serverPids: number[]): CpuReading {
  const servers = serverPids.map((pid) => processCpuSeconds(pid));
  const usage = process.cpuUsage();
  return {
    server: servers.some((s) => s === undefined) ? undefined : servers.reduce((a: number, b) => a + (b ?? 0), 0),
    harness: (usage.user + usage.system) / 1e6,
    database: postgresCpuSeconds(),
  };
}

const minus = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : a - b);
const plus = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : a + b);

/** The CPU used between two readings. */
export function cpuSpent(before: CpuReading, after: CpuReading): CpuReading {
  return { server: minus(after.server, before.server), harness: after.harness - before.harness, database: minus(after.database, before.database) };
}

export function addCpu(a: CpuReading, b: CpuReading): CpuReading {
  return { server: plus(a.server, b.server), harness: a.harness + b.harness, database: plus(a.database, b.database) };
}

/** CPU milliseconds per message of what was spent, as one line for the log ("n/a" without /proc). */
export function cpuPerMessage(spent: CpuReading, messages: number): string {
  const per = (seconds: number | undefined) => (seconds === undefined ? 'n/a' : `${((seconds * 1000) / messages).toFixed(2)} ms`);
  return `server ${per(spent.server)}, harness ${per(spent.harness)}, PostgreSQL ${per(spent.database)} of CPU per message`;
}
