import { asc, eq, getTableColumns } from 'drizzle-orm';
import type { Database } from '../db';
import { adminCertificateRevocations, adminCertificates, users } from '../db/schema';

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

export async function insertAdminCertificateRevocation(db: Database, values: typeof adminCertificateRevocations.$inferInsert): Promise<void> {
  await db.insert(adminCertificateRevocations).values(values);
}

/** Every revocation, oldest first. */
export async function allAdminCertificateRevocations(db: Database) {
  return db.select().from(adminCertificateRevocations).orderBy(asc(adminCertificateRevocations.createdAt), asc(adminCertificateRevocations.id));
}

/** The certificate rows stored for this user, as stored: the caller checks each against the root. */
export async function certificateRowsOf(db: Database, userId: string): Promise<Pick<AdminCertificateRow, 'certificate' | 'signature'>[]> {
  return db
    .select({ certificate: adminCertificates.certificate, signature: adminCertificates.signature })
    .from(adminCertificates)
    .where(eq(adminCertificates.userId, userId));
}
