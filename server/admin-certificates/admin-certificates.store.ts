import { asc, eq, getTableColumns } from 'drizzle-orm';
import type { Database } from '../db';
import { adminCertificates, users } from '../db/schema';

export type AdminCertificateRow = typeof adminCertificates.$inferSelect;

export async function insertAdminCertificate(db: Database, values: typeof adminCertificates.$inferInsert): Promise<void> {
  await db.insert(adminCertificates).values(values);
}

/** Every certificate ever issued, oldest first, with the admin's name for display. */
export async function allAdminCertificates(db: Database): Promise<(AdminCertificateRow & { name: string })[]> {
  return db
    .select({ ...getTableColumns(adminCertificates), name: users.name })
    .from(adminCertificates)
    .innerJoin(users, eq(users.id, adminCertificates.userId))
    .orderBy(asc(adminCertificates.createdAt), asc(adminCertificates.id));
}
