import { aliasedTable, and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db';
import { agencies, children, involvements, leadPractitioners, users } from '../db/schema';
import { uniqueOr } from '../db/unique-violation';
import { ConflictError } from '../errors';

export type LeadRow = typeof leadPractitioners.$inferSelect;

/** An appointment with the names a screen shows, and whether the appointing agency still serves the child. */
export interface LeadRecord {
  appointment: LeadRow;
  userName: string;
  agencyName: string;
  appointedByName: string;
  agencyInvolved: boolean;
}

const appointer = aliasedTable(users, 'appointer');

/** Whether the appointing agency still has an open involvement with the child (the lead's access turns on it). */
const agencyInvolved = sql<boolean>`exists (select 1 from ${involvements} where ${and(
  eq(involvements.childId, leadPractitioners.childId),
  eq(involvements.agencyId, leadPractitioners.agencyId),
  isNull(involvements.endedAt),
)})`;

function leadRecords(db: Database) {
  return db
    .select({
      appointment: leadPractitioners,
      userName: users.name,
      agencyName: agencies.name,
      appointedByName: appointer.name,
      agencyInvolved,
    })
    .from(leadPractitioners)
    .innerJoin(users, eq(users.id, leadPractitioners.userId))
    .innerJoin(agencies, eq(agencies.id, leadPractitioners.agencyId))
    .innerJoin(appointer, eq(appointer.id, leadPractitioners.appointedBy));
}

/** The child's current lead practitioner, if one is appointed. */
export async function currentLead(db: Database, childId: string): Promise<LeadRecord | null> {
  const [record] = await leadRecords(db).where(and(eq(leadPractitioners.childId, childId), isNull(leadPractitioners.endedAt)));
  return record ?? null;
}

/** This user's latest appointment as lead for the child, current or ended: what their access turns on. */
export async function latestAppointmentOf(db: Database, childId: string, userId: string): Promise<LeadRecord | null> {
  const [record] = await leadRecords(db)
    .where(and(eq(leadPractitioners.childId, childId), eq(leadPractitioners.userId, userId)))
    .orderBy(desc(leadPractitioners.appointedAt))
    .limit(1);
  return record ?? null;
}

export const leadChanged = () =>
  new ConflictError('lead_changed', 'Someone else changed this child’s lead practitioner at the same moment. Reload the record to see who is lead now.');

/** Fails with `lead_changed` when another appointment became current meanwhile: the partial unique index decides races. */
export async function insertLead(db: Database, values: typeof leadPractitioners.$inferInsert): Promise<LeadRow> {
  const [row] = await uniqueOr(db.insert(leadPractitioners).values(values).returning(), leadChanged);
  if (!row) throw new Error('insert returned no row');
  return row;
}

/** Ends the appointment if it is still current; false when another request ended it first. */
export async function endLead(db: Database, id: string, by: string, at: Date): Promise<boolean> {
  const rows = await db
    .update(leadPractitioners)
    .set({ endedAt: at, endedBy: by })
    .where(and(eq(leadPractitioners.id, id), isNull(leadPractitioners.endedAt)))
    .returning({ id: leadPractitioners.id });
  return rows.length > 0;
}

/** The children this user is current lead practitioner for, while their appointing agency serves them and they are on the index. */
export async function childrenLedBy(db: Database, userId: string): Promise<{ childId: string; since: Date }[]> {
  return db
    .select({ childId: leadPractitioners.childId, since: leadPractitioners.appointedAt })
    .from(leadPractitioners)
    .innerJoin(children, eq(children.id, leadPractitioners.childId))
    .where(and(eq(leadPractitioners.userId, userId), isNull(leadPractitioners.endedAt), isNull(children.delistedAt)))
    .orderBy(asc(leadPractitioners.appointedAt));
}
