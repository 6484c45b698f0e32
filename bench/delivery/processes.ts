import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../../test/support/net';

export interface ServerProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

async function untilHealthy(url: string, child: ChildProcess, output: () => string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`the server stopped while starting:\n${output()}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the server did not become healthy:\n${output()}`);
}

/** Haven's own entry point (`server/main.ts`) as a process of its own, as it runs in production. */
export async function startHavenProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  // HAVEN_BENCH_CPU_PROFILE=dir writes a V8 CPU profile of each Haven process there, to see where its time goes.
  const profile = process.env.HAVEN_BENCH_CPU_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.HAVEN_BENCH_CPU_PROFILE] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, LOG_LEVEL: 'silent', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await untilHealthy(url, child, () => output);
  } catch (error) {
    await stop(child);
    throw error;
  }
  return { url, pid: child.pid ?? 0, stop: () => stop(child) };
}

/**
 * A relay baseline as a process of its own: the bare Socket.IO relay that stores nothing, or the
 * naive durable relay (one INSERT committed before the ack) writing to `databaseUrl`.
 */
export async function startRelayProcess(kind: 'bare' | 'durable' = 'bare', databaseUrl?: string): Promise<ServerProcess> {
  const port = await freePort();
  const script = kind === 'bare' ? 'bench/delivery/relay-server.ts' : 'bench/delivery/durable-relay-server.ts';
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, PORT: String(port), ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the relay stopped while starting (exit ${code})`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid ?? 0, stop: () => stop(child) };
}
