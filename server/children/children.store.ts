import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db';
import { coalescedRows } from '../db/coalesce';
import { anyTextPlaceholder, anyUuidPlaceholder, coalescedByUuids, preparedFor, textArrayLiteral } from '../db/prepared';
import { agencies, children, concernFlags, involvements, shieldOverrides, specialistContacts, users } from '../db/schema';
import { uniqueOr } from '../db/unique-violation';
import { inUuids, onlyUuids } from '../db/uuid-array';
import { ConflictError } from '../errors';

export type ChildRow = typeof children.$inferSelect;
export type InvolvementRow = typeof involvements.$inferSelect;
export type ConcernRow = typeof concernFlags.$inferSelect;
export type ContactRow = typeof specialistContacts.$inferSelect;

export async function insertChild(db: Database, values: typeof children.$inferInsert): Promise<ChildRow> {
  const [row] = await db.insert(children).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

// Read for every send and every opened entry, so concurrent reads coalesce.
const childrenById = coalescedByUuids(
  (db) => db.select().from(children).where(anyUuidPlaceholder(children.id, 'ids')).prepare('haven_children_by_id'),
  (row) => row.id,
);
const overridesQuery = preparedFor((db) =>
  db
    .select({ sessionTokenHash: shieldOverrides.sessionTokenHash, childId: shieldOverrides.childId })
    .from(shieldOverrides)
    .where(anyTextPlaceholder(shieldOverrides.sessionTokenHash, 'hashes'))
    .prepare('haven_overrides_by_session'),
);
const overridesBySession = coalescedRows(
  (db, hashes: string[]) => overridesQuery(db).execute({ hashes: textArrayLiteral(hashes) }),
  (row) => row.sessionTokenHash,
);

export async function findChild(db: Database, id: string): Promise<ChildRow | undefined> {
  const [row] = await childrenById(db, [id]);
  return row;
}

export async function updateChild(db: Database, id: string, values: Partial<typeof children.$inferInsert>): Promise<void> {
  await db.update(children).set(values).where(eq(children.id, id));
}

/** Children this session may see despite a shield (overrides last for the session only). */
export function overriddenChildIds(sessionTokenHash: string) {
  return sql`(select ${shieldOverrides.childId} from ${shieldOverrides} where ${shieldOverrides.sessionTokenHash} = ${sessionTokenHash})`;
}

/** The children whose shield this session has overridden (for the session only). */
export async function overriddenChildren(db: Database, sessionTokenHash: string): Promise<string[]> {
  return (await overridesBySession(db, [sessionTokenHash])).map((row) => row.childId);
}

export async function hasOverride(db: Database, sessionTokenHash: string, childId: string): Promise<boolean> {
  return (await overriddenChildren(db, sessionTokenHash)).includes(childId);
}

export async function insertOverride(db: Database, values: typeof shieldOverrides.$inferInsert): Promise<void> {
  await db.insert(shieldOverrides).values(values);
}

export interface SearchTerms {
  nameKey?: string | undefined;
  dateOfBirth?: string | undefined;
  postcodeKey?: string | undefined;
}

export interface SearchHit {
  id: string;
  name: string;
  dateOfBirth: string;
  postcodeKey: string;
  sourceAgencyName: string;
  myAgencyInvolved: boolean;
  total: number;
}

/**
 * Search that tolerates small spelling differences (trigram similarity on the normalised
 * name, indexable by the GIN trigram index), exact date of birth, and full or outward
 * postcode. Shielded entries are left out unless this session overrode the shield, so they
 * are absent from results and from the total alike.
 */
export async function searchChildren(
  db: Database,
  terms: SearchTerms,
  viewer: { sessionTokenHash: string; agencyId: string | null },
  limit: number,
): Promise<SearchHit[]> {
  const conditions = [isNull(children.delistedAt), sql`(${children.shieldedAt} is null or ${children.id} in ${overriddenChildIds(viewer.sessionTokenHash)})`];
  if (terms.nameKey) conditions.push(sql`(${children.nameKey} % ${terms.nameKey} or ${terms.nameKey} <% ${children.nameKey})`);
  if (terms.dateOfBirth) conditions.push(eq(children.dateOfBirth, terms.dateOfBirth));
  if (terms.postcodeKey) {
    conditions.push(terms.postcodeKey.length > 4 ? eq(children.postcodeKey, terms.postcodeKey) : sql`${children.postcodeKey} like ${`${terms.postcodeKey}%`}`);
  }
  const involved = viewer.agencyId
    ? sql<boolean>`exists (select 1 from ${involvements} i where i.child_id = "children"."id" and i.agency_id = ${viewer.agencyId} and i.ended_at is null)`
    : sql<boolean>`false`;
  const rank = terms.nameKey
    ? sql`word_similarity(${terms.nameKey}, ${children.nameKey}) desc, similarity(${children.nameKey}, ${terms.nameKey}) desc`
    : sql`${children.name} asc`;
  return db
    .select({
      id: children.id,
      name: children.name,
      dateOfBirth: children.dateOfBirth,
      postcodeKey: children.postcodeKey,
      sourceAgencyName: agencies.name,
      myAgencyInvolved: involved,
      total: sql<number>`(count(*) over ())::int`,
    })
    .from(children)
    .innerJoin(agencies, eq(agencies.id, children.sourceAgencyId))
    .where(and(...conditions))
    .orderBy(rank, asc(children.id))
    .limit(limit);
}

/** Possible duplicates of a new entry: same date of birth, a similar name, and the same postcode or a similar address. */
export async function findPossibleDuplicates(
  db: Database,
  entry: { nameKey: string; dateOfBirth: string; postcodeKey: string; address: string },
  sessionTokenHash: string,
): Promise<ChildRow[]> {
  return db
    .select()
    .from(children)
    .where(
      and(
        eq(children.dateOfBirth, entry.dateOfBirth),
        sql`${children.nameKey} % ${entry.nameKey}`,
        sql`(${children.postcodeKey} = ${entry.postcodeKey} or similarity(lower(${children.address}), lower(${entry.address})) > 0.4)`,
        sql`(${children.shieldedAt} is null or ${children.id} in ${overriddenChildIds(sessionTokenHash)})`,
      ),
    )
    .limit(5);
}

export const alreadyInvolved = () => new ConflictError('already_involved', 'Your agency is already recorded as providing a service to this child.');

/** Fails with `already_involved` when the agency's involvement is open already, even if a concurrent request opened it. */
export async function insertInvolvement(db: Database, values: typeof involvements.$inferInsert): Promise<InvolvementRow> {
  const [row] = await uniqueOr(db.insert(involvements).values(values).returning(), alreadyInvolved);
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function openInvolvements(db: Database, childId: string) {
  return db
    .select({ involvement: involvements, agency: { id: agencies.id, name: agencies.name, contactEmail: agencies.contactEmail } })
    .from(involvements)
    .innerJoin(agencies, eq(agencies.id, involvements.agencyId))
    .where(and(eq(involvements.childId, childId), isNull(involvements.endedAt)))
    .orderBy(asc(agencies.name));
}

export async function endInvolvement(db: Database, childId: string, agencyId: string, by: string, at: Date): Promise<boolean> {
  const rows = await db
    .update(involvements)
    .set({ endedAt: at, endedBy: by })
    .where(and(eq(involvements.childId, childId), eq(involvements.agencyId, agencyId), isNull(involvements.endedAt)))
    .returning({ id: involvements.id });
  return rows.length > 0;
}

export async function insertConcern(db: Database, values: typeof concernFlags.$inferInsert): Promise<ConcernRow> {
  const [row] = await db.insert(concernFlags).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function openConcerns(db: Database, childId: string) {
  return db
    .select({ concern: concernFlags, raisedByName: users.name, agencyName: agencies.name })
    .from(concernFlags)
    .innerJoin(users, eq(users.id, concernFlags.raisedBy))
    .innerJoin(agencies, eq(agencies.id, concernFlags.agencyId))
    .where(and(eq(concernFlags.childId, childId), isNull(concernFlags.clearedAt)))
    .orderBy(asc(concernFlags.raisedAt));
}

export async function findConcern(db: Database, id: string): Promise<ConcernRow | undefined> {
  const [row] = await db.select().from(concernFlags).where(eq(concernFlags.id, id));
  return row;
}

export async function clearConcern(db: Database, id: string, by: string, at: Date): Promise<boolean> {
  const rows = await db
    .update(concernFlags)
    .set({ clearedAt: at, clearedBy: by })
    .where(and(eq(concernFlags.id, id), isNull(concernFlags.clearedAt)))
    .returning({ id: concernFlags.id });
  return rows.length > 0;
}

/** Whether anything still keeps the child on the index: an open involvement or an open concern. */
export async function stillIndexed(db: Database, childId: string): Promise<boolean> {
  const [involved] = await db
    .select({ id: involvements.id })
    .from(involvements)
    .where(and(eq(involvements.childId, childId), isNull(involvements.endedAt)))
    .limit(1);
  if (involved) return true;
  const [concern] = await db
    .select({ id: concernFlags.id })
    .from(concernFlags)
    .where(and(eq(concernFlags.childId, childId), isNull(concernFlags.clearedAt)))
    .limit(1);
  return concern !== undefined;
}

export async function activeContacts(db: Database, childId: string): Promise<ContactRow[]> {
  return db
    .select()
    .from(specialistContacts)
    .where(and(eq(specialistContacts.childId, childId), isNull(specialistContacts.removedAt)))
    .orderBy(asc(specialistContacts.addedAt));
}

export async function insertContact(db: Database, values: typeof specialistContacts.$inferInsert): Promise<ContactRow> {
  const [row] = await db.insert(specialistContacts).values(values).returning();
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function updateContact(db: Database, childId: string, id: string, values: Partial<typeof specialistContacts.$inferInsert>): Promise<boolean> {
  const rows = await db
    .update(specialistContacts)
    .set(values)
    .where(and(eq(specialistContacts.id, id), eq(specialistContacts.childId, childId), isNull(specialistContacts.removedAt)))
    .returning({ id: specialistContacts.id });
  return rows.length > 0;
}

export async function agencyNames(db: Database, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const rows = await db.select({ id: agencies.id, name: agencies.name }).from(agencies).where(inArray(agencies.id, ids));
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** Of these children, those this agency has an open involvement with (provides a service to). */
export async function childrenServedBy(db: Database, agencyId: string, childIds: string[]): Promise<Set<string>> {
  if (!childIds.length) return new Set();
  const rows = await db
    .select({ childId: involvements.childId })
    .from(involvements)
    .where(and(eq(involvements.agencyId, agencyId), isNull(involvements.endedAt), inUuids(involvements.childId, onlyUuids(childIds))));
  return new Set(rows.map((r) => r.childId));
}

/** These children's rows, those that exist (one query, coalesced with other readers). */
export async function findChildren(db: Database, ids: string[]): Promise<ChildRow[]> {
  return ids.length ? childrenById(db, onlyUuids(ids)) : [];
}
