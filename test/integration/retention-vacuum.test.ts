import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pageinspect } from '@electric-sql/pglite/contrib/pageinspect';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { createHaven } from '../../server/app';
import { openAuditKeys } from '../../server/audit';
import { loadConfig } from '../../server/config';
import { openDatabase } from '../../server/db';
import { seedDemo } from '../../server/demo/seed';
import { silentNotifier } from '../../server/shared/context';
import { ageChild, bornYearsAgo } from '../support/aged-children';
import { ApiClient } from '../support/client';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { welfareRecord } from '../support/practitioner';
import { TEST_TRUST_ENV } from '../support/trust-roots';

// A destroyed row stays in its table's pages as a dead tuple, readable with the page inspector
// by anyone with the database's files, until it is vacuumed. A retention run vacuums what it
// destroyed from, so the child's data is no longer readable as row versions when the run ends.

const NAME = 'Oliver Quennell-Tamsin';
const TRACES = [NAME, 'Quennell', '12 Larkspur Rise', 'Harriet'];

/** Every table (and its TOAST table) of the public schema, page by page: the row versions that still hold any of `texts`. */
const ROW_VERSIONS_HOLDING = `
  with tables as (
    select c.oid from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'
    union all
    select c.reltoastrelid from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' and c.reltoastrelid <> 0
  )
  select t.oid::regclass::text as "table", i.lp, i.t_xmax::text as xmax, text as "holds"
    from tables t
    cross join lateral generate_series(0, (pg_relation_size(t.oid) / current_setting('block_size')::int)::int - 1) as blk
    cross join lateral heap_page_items(get_raw_page(t.oid::regclass::text, blk)) as i
    cross join unnest($1::text[]) as text
   where i.t_data is not null and position(convert_to(text, 'UTF8') in i.t_data) > 0`;

const child = {
  name: NAME,
  dateOfBirth: bornYearsAgo(18),
  gender: 'male',
  address: '12 Larkspur Rise, Northmoor',
  postcode: 'NM9 8QQ',
  parents: [{ name: 'Harriet Quennell-Tamsin', relationship: 'mother', contact: '01632 960 777' }],
  basis: 'involved',
};

beforeAll(ready);

describe('after a retention run, on PostgreSQL', () => {
  let haven: TestHaven;
  const people = new People(() => haven);
  beforeAll(async () => {
    haven = await startTestHaven({ seedDemo: true });
  });
  afterAll(() => haven.close());

  it('nothing of a destroyed child is readable as a dead row version in any table', async () => {
    const jordan = await people.as('Jordan');
    const morgan = await people.as('Morgan');
    const created = await jordan.post<{ child: { id: string } }>('/api/children', child);
    expect(created.status).toBe(201);
    const childId = created.body.child.id;
    const morganId = (await morgan.get<{ session: { user: { id: string } } }>('/api/session')).body.session.user.id;
    await morgan.get('/api/children?name=Quennell');
    await morgan.post(`/api/children/${childId}/open`, { reason: `Checking on ${NAME}` });
    const share = await jordan.post(`/api/children/${childId}/verbal-shares`, {
      occurredAt: new Date(Date.now() - 3_600_000).toISOString(),
      tier: 'welfare',
      participants: [{ userId: morganId, needToKnowReason: 'Police welfare check at 12 Larkspur Rise' }],
      record: welfareRecord,
    });
    expect(share.status, JSON.stringify(share.body)).toBe(201);
    await ageChild(haven.database.url, childId, bornYearsAgo(19, 2));

    const client = await rawClient(haven.database.url);
    try {
      await client.query('create extension if not exists pageinspect');
      // Before: the child is in the pages as live rows.
      expect((await client.query(ROW_VERSIONS_HOLDING, [TRACES])).rowCount).toBeGreaterThan(0);

      const run = await (await people.as('Sam')).post<{ children: { childId: string }[] }>('/api/retention/runs', { dryRun: false });
      expect(run.status).toBe(201);
      expect(run.body.children.map((c) => c.childId)).toEqual([childId]);

      const left = await client.query<{ table: string; holds: string }>(ROW_VERSIONS_HOLDING, [TRACES]);
      expect(left.rows).toEqual([]);
    } finally {
      await client.end();
    }
  });
});

describe('after a retention run, on the embedded database (PGlite)', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'haven-pglite-vacuum-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('the same: the run vacuums there too, outside any transaction', { timeout: 120_000 }, async () => {
    const config = loadConfig({ ...TEST_TRUST_ENV, PORT: '0', LOG_LEVEL: 'silent', HAVEN_DATA_DIR: dataDir });
    const database = await openDatabase({ dataDir });
    let childId = '';
    try {
      const auditKeys = await openAuditKeys(database.db, config, { create: true, now: new Date() });
      const haven = createHaven({ config, auditKeys, database, redis: null, logger: pino({ level: 'silent' }), clock: () => new Date() });
      const url = `http://127.0.0.1:${await haven.listen()}`;
      try {
        const demo = (await seedDemo({ db: database.db, config, clock: () => new Date(), notifier: silentNotifier })) ?? [];
        const signIn = async (name: string) => {
          const account = demo.find((a) => a.name.startsWith(name));
          if (!account) throw new Error(`no ${name}`);
          const api = new ApiClient(url);
          expect((await api.signIn(account)).status).toBe(200);
          return api;
        };
        const created = await (await signIn('Jordan')).post<{ child: { id: string } }>('/api/children', child);
        expect(created.status).toBe(201);
        childId = created.body.child.id;
        // Time passes (PGlite is this process's own database: no second connection to age the child with).
        await database.db.execute(sql`update children set date_of_birth = ${bornYearsAgo(19, 2)}::date where id = ${childId}`);
        const run = await (await signIn('Sam')).post<{ children: { childId: string }[] }>('/api/retention/runs', { dryRun: false });
        expect(run.status, JSON.stringify(run.body)).toBe(201);
        expect(run.body.children.map((c) => c.childId)).toEqual([childId]);
      } finally {
        await haven.close();
      }
    } finally {
      await database.close();
    }

    // The data folder opened again, with the page inspector.
    const inspector = new PGlite(dataDir, { extensions: { pageinspect, pg_trgm } });
    try {
      await inspector.exec('create extension if not exists pageinspect');
      const left = await inspector.query<{ table: string; holds: string }>(ROW_VERSIONS_HOLDING, [TRACES]);
      expect(left.rows).toEqual([]);
    } finally {
      await inspector.close();
    }
  });
});
