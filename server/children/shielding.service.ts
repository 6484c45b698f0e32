import type { SignedIn } from '../accounts/session-view';
import { loadUserRecord } from '../accounts/accounts.store';
import { appendAuditEntries } from '../audit';
import { ConflictError, NotFoundError } from '../errors';
import { adminAlertScope, canContributeToIndex, canOverrideShield, canShield, requireAllowed } from '../policy';
import type { ServiceContext } from '../shared/context';
import { acknowledgeAlert, insertAlert, listAlerts } from './alerts.store';
import { buildChildView, type ChildView } from './child-view';
import { agencyOf, viewerOf, visibleChild } from './children.service';
import { activeContacts, findChild, insertContact, insertOverride, updateChild, updateContact } from './children.store';

/**
 * Overriding a shield: an authorised role and a stated reason, for this session only. The
 * admin of the agency that applied the shield is alerted (the alert names no child details).
 */
export async function overrideShield(ctx: ServiceContext, signedIn: SignedIn, childId: string, reason: string): Promise<ChildView> {
  requireAllowed(canOverrideShield(signedIn.actor));
  const child = await findChild(ctx.db, childId);
  if (!child || child.delistedAt) throw new NotFoundError('child_not_found', 'There is no child on the index with this identifier.');
  const contactsShielded = (await activeContacts(ctx.db, childId)).some((c) => c.shieldedAt);
  if (!child.shieldedAt && !contactsShielded) throw new ConflictError('not_shielded', 'Nothing about this child is shielded.');
  const shielder = child.shieldedBy ?? (await activeContacts(ctx.db, childId)).find((c) => c.shieldedBy)?.shieldedBy ?? null;
  const shielderAgency = shielder ? ((await loadUserRecord(ctx.db, shielder))?.user.agencyId ?? null) : null;
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    await insertOverride(tx, { sessionTokenHash: signedIn.tokenHash, userId: signedIn.actor.id, childId, reason, createdAt: now });
    await insertAlert(tx, { agencyId: shielderAgency, kind: 'shield_override', actorId: signedIn.actor.id, childId, createdAt: now });
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: shielderAgency,
          action: 'child.shield_overridden',
          subjectType: 'child',
          subjectId: childId,
          privateDetail: { detail: { reason }, childIds: [childId] },
        },
      ],
      now,
    );
  });
  return buildChildView(ctx.db, child, viewerOf(signedIn));
}

async function setChildShield(ctx: ServiceContext, signedIn: SignedIn, childId: string, shield: boolean, reason: string): Promise<ChildView> {
  requireAllowed(canShield(signedIn.actor));
  const { child } = await visibleChild(ctx, signedIn, childId);
  if (shield === (child.shieldedAt !== null))
    throw new ConflictError(shield ? 'already_shielded' : 'not_shielded', shield ? 'This entry is already shielded.' : 'This entry is not shielded.');
  const now = ctx.clock();
  const values = shield ? { shieldedAt: now, shieldedBy: signedIn.actor.id } : { shieldedAt: null, shieldedBy: null };
  await ctx.db.transaction(async (tx) => {
    await updateChild(tx, childId, values);
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: signedIn.actor.agencyId,
          action: shield ? 'child.shielded' : 'child.unshielded',
          subjectType: 'child',
          subjectId: childId,
          privateDetail: { detail: { reason }, childIds: [childId] },
        },
      ],
      now,
    );
  });
  return buildChildView(ctx.db, { ...child, ...values }, viewerOf(signedIn));
}

export const shieldChild = (ctx: ServiceContext, signedIn: SignedIn, childId: string, reason: string) => setChildShield(ctx, signedIn, childId, true, reason);
export const unshieldChild = (ctx: ServiceContext, signedIn: SignedIn, childId: string, reason: string) =>
  setChildShield(ctx, signedIn, childId, false, reason);

export async function addSpecialistContact(
  ctx: ServiceContext,
  signedIn: SignedIn,
  childId: string,
  input: { service: string; contact: string },
): Promise<ChildView> {
  requireAllowed(canContributeToIndex(signedIn.actor, agencyOf(signedIn)));
  const { child } = await visibleChild(ctx, signedIn, childId);
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    const contact = await insertContact(tx, { childId, ...input, addedBy: signedIn.actor.id, addedAt: now });
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: signedIn.actor.agencyId,
          action: 'contact.added',
          subjectType: 'child',
          subjectId: childId,
          detail: { contactId: contact.id },
        },
      ],
      now,
    );
  });
  return buildChildView(ctx.db, child, viewerOf(signedIn));
}

type ContactChange = 'remove' | 'shield' | 'unshield';

export async function changeSpecialistContact(
  ctx: ServiceContext,
  signedIn: SignedIn,
  childId: string,
  contactId: string,
  change: ContactChange,
  reason: string,
): Promise<ChildView> {
  requireAllowed(change === 'remove' ? canContributeToIndex(signedIn.actor, agencyOf(signedIn)) : canShield(signedIn.actor));
  const { child, overridden } = await visibleChild(ctx, signedIn, childId);
  const contact = (await activeContacts(ctx.db, childId)).find((c) => c.id === contactId);
  // A shielded contact is invisible without an override, so it is "not found" too.
  if (!contact || (contact.shieldedAt && !overridden)) throw new NotFoundError('contact_not_found', 'There is no such specialist contact for this child.');
  const now = ctx.clock();
  const values =
    change === 'remove'
      ? { removedAt: now }
      : change === 'shield'
        ? { shieldedAt: now, shieldedBy: signedIn.actor.id }
        : { shieldedAt: null, shieldedBy: null };
  const action = change === 'remove' ? 'contact.removed' : change === 'shield' ? 'contact.shielded' : 'contact.unshielded';
  await ctx.db.transaction(async (tx) => {
    await updateContact(tx, childId, contactId, values);
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: signedIn.actor.agencyId,
          action,
          subjectType: 'child',
          subjectId: childId,
          detail: { contactId },
          privateDetail: { detail: { reason }, childIds: [childId] },
        },
      ],
      now,
    );
  });
  return buildChildView(ctx.db, child, viewerOf(signedIn));
}

export interface AlertView {
  id: string;
  /** `shield_override`: the actor overrode a shield; `account_locked`: the actor's account was locked after many failed sign-ins. */
  kind: 'shield_override' | 'account_locked';
  actor: { id: string; name: string };
  childId: string | null;
  createdAt: string;
  acknowledged: boolean;
}

export async function alertsForAdmin(ctx: ServiceContext, signedIn: SignedIn): Promise<AlertView[]> {
  const scope = adminAlertScope(signedIn.actor);
  requireAllowed(scope.decision);
  const rows = await listAlerts(ctx.db, scope.agencyId);
  return rows.map(({ alert, actorName }) => ({
    id: alert.id,
    kind: alert.kind,
    actor: { id: alert.actorId, name: actorName },
    childId: alert.childId,
    createdAt: alert.createdAt.toISOString(),
    acknowledged: alert.acknowledgedAt !== null,
  }));
}

export async function acknowledgeAdminAlert(ctx: ServiceContext, signedIn: SignedIn, alertId: string): Promise<void> {
  const scope = adminAlertScope(signedIn.actor);
  requireAllowed(scope.decision);
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    if (!(await acknowledgeAlert(tx, alertId, scope.agencyId, signedIn.actor.id, now)))
      throw new NotFoundError('alert_not_found', 'There is no such unacknowledged alert.');
    await appendAuditEntries(
      tx,
      [{ actorId: signedIn.actor.id, agencyId: signedIn.actor.agencyId, action: 'alert.acknowledged', subjectType: 'alert', subjectId: alertId }],
      now,
    );
  });
}
