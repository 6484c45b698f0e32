import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { SignedIn } from '../accounts/session-view';
import { userNames } from '../accounts/accounts.store';
import type { Database } from '../db';
import { children, involvements, shieldOverrides } from '../db/schema';
import { canSeeChildNameInAudit } from '../policy';

/** The facts policy needs about each child, as this reader's session sees them. */
async function childFacts(db: Database, ids: string[], reader: { agencyId: string | null; sessionTokenHash: string }) {
  if (!ids.length) return [];
  const involved = reader.agencyId
    ? sql<boolean>`exists (select 1 from ${involvements} where ${and(eq(involvements.childId, children.id), eq(involvements.agencyId, reader.agencyId), isNull(involvements.endedAt))})`
    : sql<boolean>`false`;
  const overridden = sql<boolean>`exists (select 1 from ${shieldOverrides} where ${and(eq(shieldOverrides.childId, children.id), eq(shieldOverrides.sessionTokenHash, reader.sessionTokenHash))})`;
  return db
    .select({
      id: children.id,
      name: children.name,
      sourceAgencyId: children.sourceAgencyId,
      delisted: sql<boolean>`${children.delistedAt} is not null`,
      shielded: sql<boolean>`${children.shieldedAt} is not null`,
      involved,
      overridden,
    })
    .from(children)
    .where(inArray(children.id, ids));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Names for the subjects of these entries, keyed `type:id`: users by name, and children only
 * where policy lets this reader see the name. A subject left out is shown by its identifier.
 */
export async function subjectNames(
  db: Database,
  signedIn: SignedIn,
  subjects: { subjectType: string | null; subjectId: string | null }[],
): Promise<Map<string, string>> {
  const idsOf = (type: string) => [...new Set(subjects.flatMap((s) => (s.subjectType === type && s.subjectId && UUID.test(s.subjectId) ? [s.subjectId] : [])))];
  const [users, kids] = await Promise.all([
    userNames(db, idsOf('user')),
    childFacts(db, idsOf('child'), { agencyId: signedIn.actor.agencyId, sessionTokenHash: signedIn.tokenHash }),
  ]);
  const names = new Map<string, string>();
  for (const [id, name] of users) names.set(`user:${id}`, name);
  for (const child of kids) {
    const hidden = child.delisted || (child.shielded && !child.overridden);
    const decision = canSeeChildNameInAudit(signedIn.actor, { sourceAgencyId: child.sourceAgencyId, readerAgencyInvolved: child.involved, hidden });
    if (decision.allow) names.set(`child:${child.id}`, child.name);
  }
  return names;
}
