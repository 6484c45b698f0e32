import type { SignedIn } from '../accounts/session-view';
import { recentSubjectsOf } from '../audit';
import { canListRecentChildren, requireAllowed } from '../policy';
import type { ServiceContext } from '../shared/context';
import { listNamedChildren } from './child-names';

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
  const list = await listNamedChildren(ctx, signedIn, opened, (o) => o.subjectId, 'home', RECENT_LIMIT);
  return list.map(({ item, child }) => ({ id: child.id, name: child.name, dateOfBirth: child.dateOfBirth, openedAt: item.at.toISOString() }));
}
