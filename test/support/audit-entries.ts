import { rawClient } from './database';
import type { TestHaven } from './haven';

/** The audit entries of one action about one subject, oldest first, read straight from the database. */
export async function auditEntriesOf(
  haven: TestHaven,
  action: string,
  subjectId: string,
): Promise<{ actor_id: string | null; detail: Record<string, unknown> }[]> {
  const db = await rawClient(haven.database.url);
  try {
    return (
      await db.query<{ actor_id: string | null; detail: Record<string, unknown> }>(
        `select actor_id, detail from audit_entries where action = $1 and subject_id = $2 order by seq`,
        [action, subjectId],
      )
    ).rows;
  } finally {
    await db.end();
  }
}
