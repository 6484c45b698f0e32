import { rawClient } from './database';

/**
 * `count` children whose retention dates passed long ago (born 25 years ago or earlier), written
 * straight into the index so a retention run has several batches to work through. They borrow
 * the agency and author of a child already on the index (the demo county's). Returns their ids.
 */
export async function seedAgedChildren(databaseUrl: string, count: number): Promise<string[]> {
  const client = await rawClient(databaseUrl);
  try {
    const { rows } = await client.query<{ id: string }>(
      `insert into children (name, name_key, date_of_birth, gender, address, postcode, postcode_key, parents,
                             source_agency_id, created_by, created_at, last_verified_at, last_verified_by)
       select 'Aged Child ' || g, 'aged child ' || g, (current_date - interval '25 years')::date - g, 'not_recorded',
              '1 Retention Row', 'NM1 1AA', 'NM11AA', '[]'::jsonb, c.source_agency_id, c.created_by, now(), now(), c.created_by
       from generate_series(1, $1::int) g, (select source_agency_id, created_by from children limit 1) c
       returning id`,
      [count],
    );
    if (rows.length !== count) throw new Error('there is no child on the index to borrow an agency from');
    return rows.map((r) => r.id);
  } finally {
    await client.end();
  }
}
