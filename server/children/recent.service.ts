import type { SignedIn } from '../accounts/session-view';
import { recentSubjectsOf } from '../audit';
import { canListRecentChildren, requireAllowed } from '../policy';
import type { ServiceContext } from '../shared/context';
import { auditNamesListed, childrenNamedFor } from './child-names';

export interface RecentChild {
  id: string;
  name: string;
  dateOfBirth: string;
  /** When this person last opened (or added) the record. */
  openedAt: string;
}

const RECENT_DAYS = 30;
const RECENT_LIMIT = 10;

/**
 * The children this person opened (or added) in the last 30 days whose agency serves them or
 * holds their entry, most recent first: what the audit log says they opened, kept to the children
 * policy lets them see named (`canSeeChildName`); listing them is audited.
 */
export async function recentChildren(ctx: ServiceContext, signedIn: SignedIn): Promise<RecentChild[]> {
  requireAllowed(canListRecentChildren(signedIn.actor));
  const since = new Date(ctx.clock().getTime() - RECENT_DAYS * 86_400_000);
  // More than are shown: some may have left the index or their agency's care meanwhile.
  const opened = await recentSubjectsOf(ctx.db, signedIn.actor.id, ['child.opened', 'child.created'], since, RECENT_LIMIT * 3);
  const named = await childrenNamedFor(
    ctx,
    signedIn,
    opened.map((o) => o.subjectId),
  );
  const list = opened
    .flatMap(({ subjectId, at }) => {
      const child = named.get(subjectId);
      return child ? [{ id: child.id, name: child.name, dateOfBirth: child.dateOfBirth, openedAt: at.toISOString() }] : [];
    })
    .slice(0, RECENT_LIMIT);
  await auditNamesListed(
    ctx,
    signedIn,
    list.map((c) => c.id),
    'home',
  );
  return list;
}
