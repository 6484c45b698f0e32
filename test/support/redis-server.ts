import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { vi } from 'vitest';
import { freePort } from './net';

/**
 * A Redis server of the test's own, on a free port, so that stopping or flushing it disturbs no
 * other test (the shared Redis must never be flushed).
 */
export class OwnRedis {
  private child: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async start(): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await vi.waitFor(() => this.command((r) => r.ping()), { timeout: 10_000, interval: 100 });
  }

  /** Runs one command on a connection of its own (e.g. FLUSHALL, as an operator would from redis-cli). */
  async command<T>(run: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis({ port: this.port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return await run(redis);
    } finally {
      redis.disconnect();
    }
  }

  /** Kills the server (SIGKILL: it keeps nothing on disk, so it comes back empty). */
  stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child) return Promise.resolve();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    return exited;
  }
}
