import pg from 'pg';
import { Redis } from 'ioredis';
import { compileEntries } from './compiled-entries';
import type { TestProject } from 'vitest/node';
import { createTemplateDatabase, TEST_ADMIN_URL } from './database';

/**
 * Compiles the entry points the process tests start; fails the run at once, saying what to
 * start, when PostgreSQL or Redis is not there; migrates the template every test database is
 * copied from, and drops it when the run ends.
 */
export default async function setUpRun(project: TestProject): Promise<() => Promise<void>> {
  await compileEntries();
  await checkServices();
  const template = await createTemplateDatabase();
  project.provide('templateDatabase', template.name);
  return () => template.drop();
}

async function checkServices(): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_ADMIN_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(`Tests need PostgreSQL at ${TEST_ADMIN_URL} (set TEST_DATABASE_URL to change it): ${String(error)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
  const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Tests need Redis at ${process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'} (set TEST_REDIS_URL to change it): ${String(error)}`);
  } finally {
    redis.disconnect();
  }
}
