import pg from 'pg';
import { ready } from '../crypto';
import { loadConfig } from '../server/config';
import { seedDemo } from '../server/demo/seed';
import { runRetention } from '../server/retention/retention.service';
import { silentNotifier } from '../server/shared/context';
import { createTestDatabase, type TestDatabase } from '../test/support/database';
import type { BenchResult } from './harness';
import { TEST_TRUST_ENV } from '../test/support/trust-roots';

/** `size` children past 19, each with an involvement and a logged verbal share to one person. */
async function agedChildren(database: TestDatabase, size: number): Promise<void> {
  const config = loadConfig({ ...TEST_TRUST_ENV, DATABASE_URL: database.url, LOG_LEVEL: 'silent' });
  await seedDemo({ db: database.handle.db, config, clock: () => new Date(), notifier: silentNotifier });
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query(
      `with src as (select source_agency_id as agency, created_by as person from children limit 1),
            made as (
              insert into children (name, name_key, date_of_birth, gender, address, postcode, postcode_key, parents, source_agency_id, created_by, created_at, last_verified_at, last_verified_by)
              select 'Aged ' || i, 'aged ' || i, date '2000-01-01', 'not_recorded', i || ' Old Road', 'NM1 1AA', 'NM11AA', '[]'::jsonb, src.agency, src.person, now(), now(), src.person
                from generate_series(1, $1::int) i, src
              returning id, source_agency_id, created_by),
            inv as (insert into involvements (child_id, agency_id, started_by, started_at) select id, source_agency_id, created_by, now() from made returning child_id),
            shares as (
              insert into share_log (kind, child_id, tier, sender_id, sender_agency_id, sender_role, occurred_at, recorded_at, record)
              select 'verbal', id, 'welfare', created_by, source_agency_id, 'practitioner', now(), now(), '{"purpose":"bench"}'::jsonb from made
              returning id, sender_agency_id)
       insert into share_participants (share_id, external_name, agency_id) select id, 'Named person', sender_agency_id from shares`,
      [size],
    );
    await client.query('analyze');
  } finally {
    await client.end();
  }
}

/**
 * Haven's retention sweep (a transaction per child, with counts, a tombstone and an audit entry
 * each) against a raw SQL delete of the same rows on an identical database.
 */
export async function retentionBench(size: number): Promise<BenchResult[]> {
  await ready();
  const [haven, raw] = [await createTestDatabase(), await createTestDatabase()];
  try {
    await agedChildren(haven, size);
    await agedChildren(raw, size);
    const config = loadConfig({ ...TEST_TRUST_ENV, DATABASE_URL: haven.url, LOG_LEVEL: 'silent' });
    let t = performance.now();
    const result = await runRetention({ db: haven.handle.db, config, clock: () => new Date(), notifier: silentNotifier }, { dryRun: false, triggeredBy: null });
    const havenMs = performance.now() - t;
    if (result.children.length !== size) throw new Error(`retention destroyed ${result.children.length} of ${size}`);

    const client = new pg.Client({ connectionString: raw.url });
    await client.connect();
    t = performance.now();
    await client.query('begin');
    await client.query(`set local haven.allow_destruction = 'on'`);
    const aged = `select id from children where date_of_birth + interval '19 years' <= current_date`;
    await client.query(`delete from share_participants where share_id in (select id from share_log where child_id in (${aged}))`);
    await client.query(`delete from share_log where child_id in (${aged})`);
    await client.query(`delete from involvements where child_id in (${aged})`);
    await client.query(`delete from children where id in (${aged})`);
    await client.query('commit');
    const rawMs = performance.now() - t;
    await client.end();
    const label = size >= 1000 ? `${size / 1000}k` : String(size);
    return [{ name: `retention-${label}`, haven: havenMs / 1000, baseline: rawMs / 1000, ratio: havenMs / rawMs, unit: 's', goal: '≤ 2× (lower is better)' }];
  } finally {
    await haven.drop();
    await raw.drop();
  }
}
