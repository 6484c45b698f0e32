import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import pg from 'pg';
import { ready } from '../crypto';
import { createHaven } from '../server/app';
import { loadConfig } from '../server/config';
import { seedDemo } from '../server/demo/seed';
import { silentNotifier } from '../server/shared/context';
import { ApiClient } from '../test/support/client';
import { createTestDatabase } from '../test/support/database';
import type { BenchResult } from './harness';
import { TEST_TRUST_ENV } from '../test/support/trust-roots';

const QUERIES = 300;

function p99(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
}

/**
 * p99 latency of Haven's search endpoint (HTTP, session, validation, policy, the trigram query,
 * the audit entry) against the same trigram query run directly on the database, over `size`
 * index entries with made-up names.
 */
export async function searchBench(size: number): Promise<BenchResult[]> {
  await ready();
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'haven-bench-'));
  try {
    // The anchor file goes to a folder of the bench's own, not ./data.
    const config = loadConfig({ ...TEST_TRUST_ENV, PORT: '0', DATABASE_URL: database.url, LOG_LEVEL: 'silent', HAVEN_DATA_DIR: dataDir });
    const demo = (await seedDemo({ db: database.handle.db, config, clock: () => new Date(), notifier: silentNotifier })) ?? [];
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    // Made-up names from syllables, so trigram search has realistic work to do.
    await client.query(
      `insert into children (name, name_key, date_of_birth, gender, address, postcode, postcode_key, parents, source_agency_id, created_by, created_at, last_verified_at, last_verified_by)
       select n, lower(n), date '2008-01-01' + (i % 6000), 'not_recorded', i || ' Bench Street', 'NM1 1AA', 'NM11AA', '[]'::jsonb,
              (select source_agency_id from children limit 1), (select created_by from children limit 1), now(), now(), (select created_by from children limit 1)
         from (select i, (array['ka','lo','mi','ra','te','su','vo','an','el','is'])[1 + i % 10] || (array['ber','don','fin','gar','hol','len','mor','nor','pel','ros'])[1 + (i / 10) % 10] || ' '
                  || (array['ash','bri','cor','dal','eve','fal','gre','hun','ivy','jas'])[1 + (i / 100) % 10] || (array['ton','ley','ford','wick','more','field','by','well','worth','ham'])[1 + (i / 1000) % 10] || (i / 10000) as n
                 from generate_series(1, $1::int) i) g`,
      [size],
    );
    await client.query('analyze children');
    const haven = createHaven({
      config,
      auditKeys: database.auditKeys,
      database: database.handle,
      redis: null,
      logger: pino({ level: 'silent' }),
      clock: () => new Date(),
    });
    const api = new ApiClient(`http://127.0.0.1:${await haven.listen()}`);
    const jordan = demo.find((a) => a.name === 'Jordan Ellis');
    if (!jordan || (await api.signIn(jordan)).status !== 200) throw new Error('bench sign-in failed');
    const terms = Array.from({ length: QUERIES }, (_, i) => `${['kaber', 'loden', 'mifin', 'ragar'][i % 4]} ${['ashton', 'briley', 'corford'][i % 3]}`);
    const direct: number[] = [];
    const viaApi: number[] = [];
    for (const term of terms) {
      let t = performance.now();
      await client.query(
        `select c.id, c.name, c.date_of_birth, c.postcode_key, count(*) over () as total from children c
          where c.delisted_at is null and c.shielded_at is null and (c.name_key % $1 or $1 <% c.name_key)
          order by word_similarity($1, c.name_key) desc, similarity(c.name_key, $1) desc, c.id limit 25`,
        [term],
      );
      direct.push(performance.now() - t);
      t = performance.now();
      const res = await api.get(`/api/children?name=${encodeURIComponent(term)}`);
      if (res.status !== 200) throw new Error(`search failed: ${res.status}`);
      viaApi.push(performance.now() - t);
    }
    await client.end();
    await haven.close();
    const haven99 = p99(viaApi);
    const direct99 = p99(direct);
    return [
      {
        name: `search-${size >= 1_000_000 ? `${size / 1_000_000}M` : `${size / 1000}k`}`,
        haven: haven99,
        baseline: direct99,
        ratio: haven99 / direct99,
        unit: 'ms p99',
        goal: '≤ 3× (lower is better)',
      },
    ];
  } finally {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
