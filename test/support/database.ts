import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { ready } from '../../crypto';
import { auditKeysFrom, bindAuditKeys, type AuditKeys } from '../../server/audit';
import { openDatabase, type DatabaseHandle } from '../../server/db';
import { loadInstallationKeys } from '../../server/installation-keys';

/** The PostgreSQL server tests run against; each test file gets its own database on it. */
export const TEST_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export interface TestDatabase {
  url: string;
  handle: DatabaseHandle;
  /** The audit keys bound to `handle`: from a seed of this database's own, never written to a file. */
  auditKeys: AuditKeys;
  /** The seed, as another process on this database is given it (HAVEN_INSTALLATION_SEED). */
  installationSeed: string;
  drop(): Promise<void>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** A database migrated once for the run (global setup), which each test database is copied from. */
    templateDatabase: string;
  }
}

/**
 * Migrates a database once for the whole run, for `createTestDatabase` to copy: copying is a
 * fraction of running every migration again for each of a hundred test files. Returns its name
 * and a function that drops it.
 */
export async function createTemplateDatabase(): Promise<{ name: string; drop(): Promise<void> }> {
  const name = `haven_tpl_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const handle = await openDatabase({ databaseUrl: withDatabase(TEST_ADMIN_URL, name), dataDir: '/nonexistent' });
  await handle.close();
  // A template nobody may connect to: a connection to it would make every copy fail.
  await adminQuery(`alter database ${name} with is_template true allow_connections false`);
  return {
    name,
    drop: async () => {
      await adminQuery(`alter database ${name} with is_template false`);
      await adminQuery(`drop database if exists ${name}`);
    },
  };
}

async function adminQuery(statement: string): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

/** The run's migrated template, when global setup made one (a file run on its own under another config may not have it). */
function templateDatabase(): string | undefined {
  try {
    return inject('templateDatabase');
  } catch {
    return undefined;
  }
}

/**
 * A fresh, migrated database of its own, so tests share no state. Its handle has an installation
 * key of its own (never a file), so code under test can append to the audit chain; startTestHaven
 * replaces it with the installation's.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  await ready();
  const name = `haven_t_${randomBytes(6).toString('hex')}`;
  const template = templateDatabase();
  await adminQuery(template ? `create database ${name} template ${template}` : `create database ${name}`);
  // Migrating is then a check that finds nothing to do (or, without a template, every migration).
  const url = withDatabase(TEST_ADMIN_URL, name);
  const handle = await openDatabase({ databaseUrl: url, dataDir: '/nonexistent' });
  const installationSeed = randomBytes(32).toString('base64url');
  const auditKeys = testAuditKeys(installationSeed);
  bindAuditKeys(handle.db, auditKeys);
  return {
    url,
    handle,
    auditKeys,
    installationSeed,
    drop: async () => {
      await handle.close();
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}

/** A direct connection for tests that play the attacker with database access. */
export async function rawClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** Audit keys from this seed (by default a fresh random one), for a handle opened outside startTestHaven. */
export function testAuditKeys(seed = randomBytes(32).toString('base64url')): AuditKeys {
  const keys = loadInstallationKeys({ HAVEN_INSTALLATION_SEED: seed, HAVEN_DATA_DIR: '/nonexistent' });
  if (!keys) throw new Error('a seed always gives keys');
  return auditKeysFrom(keys);
}
