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

/** A date of birth `years` years and `days` days before today (UTC), YYYY-MM-DD. */
export function bornYearsAgo(years: number, days = 0): string {
  const today = new Date();
  return new Date(Date.UTC(today.getUTCFullYear() - years, today.getUTCMonth(), today.getUTCDate() - days)).toISOString().slice(0, 10);
}

/**
 * Time passes: the child's date of birth moves back, as if they had been added years ago. (No one
 * already past the index age can be added through the API.) The update leaves the old row version
 * behind as a dead tuple, as real updates do.
 */
export async function ageChild(databaseUrl: string, childId: string, dateOfBirth: string): Promise<void> {
  const client = await rawClient(databaseUrl);
  try {
    const { rowCount } = await client.query('update children set date_of_birth = $2 where id = $1', [childId, dateOfBirth]);
    if (rowCount !== 1) throw new Error(`no child ${childId} to age`);
  } finally {
    await client.end();
  }
}
