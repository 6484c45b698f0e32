import { asc } from 'drizzle-orm';
import type { Database } from '../db';
import { adminCertificates } from '../db/schema';

export type AdminCertificateRow = typeof adminCertificates.$inferSelect;

export async function insertAdminCertificate(db: Database, values: typeof adminCertificates.$inferInsert): Promise<void> {
  await db.insert(adminCertificates).values(values);
}

/** Every certificate ever issued, oldest first. */
export async function allAdminCertificates(db: Database): Promise<AdminCertificateRow[]> {
  return db.select().from(adminCertificates).orderBy(asc(adminCertificates.createdAt), asc(adminCertificates.id));
}
