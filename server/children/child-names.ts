import type { SignedIn } from '../accounts/session-view';
import { appendAuditEntries } from '../audit';
import { casesOfOfficer } from '../offending/offending.store';
import { canSeeChildName } from '../policy';
import type { ServiceContext } from '../shared/context';
import { childrenServedBy, findChildren, overriddenChildren, type ChildRow } from './children.store';

/** Where names were listed, for the audit entry. */
export type NamesListedIn = 'conversations' | 'conversation' | 'home' | 'written-records-due';

/**
 * The children among these that this viewer may see named without stating a reason
 * (`canSeeChildName`), with their rows; the others are absent. Whoever shows the names audits
 * them with `auditNamesListed`.
 */
export async function childrenNamedFor(ctx: ServiceContext, signedIn: SignedIn, childIds: string[]): Promise<Map<string, ChildRow>> {
  const ids = [...new Set(childIds)];
  const { actor } = signedIn;
  if (!ids.length) return new Map();
  const [rows, overridden, served, onCase] = await Promise.all([
    findChildren(ctx.db, ids),
    overriddenChildren(ctx.db, signedIn.tokenHash),
    actor.agencyId ? childrenServedBy(ctx.db, actor.agencyId, ids) : Promise.resolve(new Set<string>()),
    actor.role === 'designated_officer' ? casesOfOfficer(ctx.db, actor.id, ids) : Promise.resolve(new Set<string>()),
  ]);
  const named = new Map<string, ChildRow>();
  for (const child of rows) {
    const hidden = child.delistedAt !== null || (child.shieldedAt !== null && !overridden.includes(child.id));
    const decision = canSeeChildName(actor, {
      sourceAgencyId: child.sourceAgencyId,
      viewerAgencyInvolved: served.has(child.id),
      viewerOnCase: onCase.has(child.id),
      hidden,
    });
    if (decision.allow) named.set(child.id, child);
  }
  return named;
}

/**
 * A list of items about children for Home and the like: each item with its child's row, in the
 * given order, keeping only the children this viewer may see named (at most `limit`); showing
 * them is audited (`auditNamesListed`).
 */
export async function listNamedChildren<T>(
  ctx: ServiceContext,
  signedIn: SignedIn,
  items: T[],
  childIdOf: (item: T) => string,
  where: NamesListedIn,
  limit = Infinity,
): Promise<{ item: T; child: ChildRow }[]> {
  const named = await childrenNamedFor(ctx, signedIn, items.map(childIdOf));
  const list = items
    .flatMap((item) => {
      const child = named.get(childIdOf(item));
      return child ? [{ item, child }] : [];
    })
    .slice(0, limit);
  await auditNamesListed(
    ctx,
    signedIn,
    list.map(({ child }) => child.id),
    where,
  );
  return list;
}

/**
 * Showing children's names is a read of the index, audited like a search: the ids named go in the
 * entry's `returned`, so each child's access report shows who saw their name, where and when.
 */
export async function auditNamesListed(ctx: ServiceContext, signedIn: SignedIn, childIds: string[], where: NamesListedIn): Promise<void> {
  if (!childIds.length) return;
  const { actor } = signedIn;
  await appendAuditEntries(
    ctx.db,
    [{ actorId: actor.id, agencyId: actor.agencyId, action: 'child.names_listed', detail: { where, returned: childIds } }],
    ctx.clock(),
  );
}
