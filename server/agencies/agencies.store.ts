import { asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db';
import { agencies } from '../db/schema';
import { uniqueOr } from '../db/unique-violation';
import { ConflictError } from '../errors';

export type AgencyRow = typeof agencies.$inferSelect;

export async function findAgency(db: Database, id: string): Promise<AgencyRow | undefined> {
  const [row] = await db.select().from(agencies).where(eq(agencies.id, id));
  return row;
}

export async function findAgencyByName(db: Database, name: string): Promise<AgencyRow | undefined> {
  const [row] = await db
    .select()
    .from(agencies)
    .where(sql`lower(${agencies.name}) = ${name.toLowerCase()}`);
  return row;
}

export async function listAgencies(db: Database): Promise<AgencyRow[]> {
  return db.select().from(agencies).orderBy(asc(agencies.name));
}

export const agencyExists = () => new ConflictError('agency_exists', 'An agency with this name is already registered.');

/** Fails with `agency_exists` when the name (in any case) is taken, even by a concurrent request. */
export async function insertAgency(db: Database, values: typeof agencies.$inferInsert): Promise<AgencyRow> {
  const [row] = await uniqueOr(db.insert(agencies).values(values).returning(), agencyExists);
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function setProtocolSigning(db: Database, id: string, signedOn: string | null): Promise<AgencyRow | undefined> {
  const [row] = await db
    .update(agencies)
    .set({ protocolSigned: signedOn !== null, protocolSignedOn: signedOn })
    .where(eq(agencies.id, id))
    .returning();
  return row;
}

export async function setPasskeyOnlySignIn(db: Database, id: string, allowed: boolean): Promise<AgencyRow | undefined> {
  const [row] = await db.update(agencies).set({ passkeyOnlySignIn: allowed }).where(eq(agencies.id, id)).returning();
  return row;
}
