import type { SignedIn } from '../accounts/session-view';
import { appendAuditEntries, type NewAuditEntry } from '../audit';
import type { Database } from '../db';
import { ConflictError, NotFoundError } from '../errors';
import { canClearConcern, canContributeToIndex, canEndLeadWithInvolvement, requireAllowed } from '../policy';
import type { ServiceContext } from '../shared/context';
import type { ChildView } from './child-view';
import { agencyOf, childViewAfter, visibleChild } from './children.service';
import {
  alreadyInvolved,
  clearConcern,
  endInvolvement,
  findChild,
  findConcern,
  insertConcern,
  insertInvolvement,
  openInvolvements,
  stillIndexed,
  updateChild,
} from './children.store';
import { currentLead, endLead } from './lead-practitioner.store';

function requireAgency(signedIn: SignedIn): string {
  requireAllowed(canContributeToIndex(signedIn.actor, agencyOf(signedIn)));
  const agencyId = signedIn.actor.agencyId;
  if (!agencyId) throw new Error('policy allowed an actor without an agency');
  return agencyId;
}

/** A child stays on the index only while an agency is involved or a concern is open. */
async function delistIfIdle(tx: Database, signedIn: SignedIn, childId: string, now: Date): Promise<void> {
  if (await stillIndexed(tx, childId)) return;
  await updateChild(tx, childId, { delistedAt: now });
  await appendAuditEntries(
    tx,
    [{ actorId: signedIn.actor.id, agencyId: signedIn.actor.agencyId, action: 'child.delisted', subjectType: 'child', subjectId: childId }],
    now,
  );
}

/** "My agency provides a service to this child." Relists a child who had left the index. */
export async function recordInvolvement(ctx: ServiceContext, signedIn: SignedIn, childId: string): Promise<ChildView | null> {
  const agencyId = requireAgency(signedIn);
  const child = await findChild(ctx.db, childId);
  if (!child?.delistedAt) await visibleChild(ctx, signedIn, childId);
  if ((await openInvolvements(ctx.db, childId)).some((i) => i.agency.id === agencyId)) throw alreadyInvolved();
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    await insertInvolvement(tx, { childId, agencyId, startedBy: signedIn.actor.id, startedAt: now });
    const entries: NewAuditEntry[] = [{ actorId: signedIn.actor.id, agencyId, action: 'involvement.recorded', subjectType: 'child', subjectId: childId }];
    if (child?.delistedAt) {
      await updateChild(tx, childId, { delistedAt: null });
      entries.push({ actorId: signedIn.actor.id, agencyId, action: 'child.relisted', subjectType: 'child', subjectId: childId });
    }
    await appendAuditEntries(tx, entries, now);
  });
  return childViewAfter(ctx, signedIn, childId);
}

/** Ends my agency's involvement; returns null when the child thereby left the index. */
export async function endMyInvolvement(ctx: ServiceContext, signedIn: SignedIn, childId: string): Promise<ChildView | null> {
  const agencyId = requireAgency(signedIn);
  await visibleChild(ctx, signedIn, childId);
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    if (!(await endInvolvement(tx, childId, agencyId, signedIn.actor.id, now))) {
      throw new NotFoundError('not_involved', 'Your agency is not recorded as providing a service to this child.');
    }
    const entries: NewAuditEntry[] = [{ actorId: signedIn.actor.id, agencyId, action: 'involvement.ended', subjectType: 'child', subjectId: childId }];
    // An agency that no longer serves the child no longer leads its care: its appointment ends with
    // the involvement, instead of lingering (giving nothing) and coming back to life if the agency
    // were recorded as involved again. Another agency's lead is not touched.
    const lead = await currentLead(tx, childId);
    if (lead && canEndLeadWithInvolvement(signedIn.actor, lead.appointment).allow && (await endLead(tx, lead.appointment.id, signedIn.actor.id, now))) {
      entries.push({
        actorId: signedIn.actor.id,
        agencyId,
        action: 'lead_practitioner.ended',
        subjectType: 'child',
        subjectId: childId,
        detail: { appointmentId: lead.appointment.id, leadId: lead.appointment.userId, involvementEnded: true },
      });
    }
    await appendAuditEntries(tx, entries, now);
    await delistIfIdle(tx, signedIn, childId, now);
  });
  return childViewAfter(ctx, signedIn, childId);
}

/** A flag of concern records who and when — never what. */
export async function raiseConcern(ctx: ServiceContext, signedIn: SignedIn, childId: string): Promise<ChildView | null> {
  const agencyId = requireAgency(signedIn);
  await visibleChild(ctx, signedIn, childId);
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    const flag = await insertConcern(tx, { childId, agencyId, raisedBy: signedIn.actor.id, raisedAt: now });
    await appendAuditEntries(
      tx,
      [{ actorId: signedIn.actor.id, agencyId, action: 'concern.raised', subjectType: 'child', subjectId: childId, detail: { flagId: flag.id } }],
      now,
    );
  });
  return childViewAfter(ctx, signedIn, childId);
}

export async function clearConcernFlag(ctx: ServiceContext, signedIn: SignedIn, childId: string, flagId: string): Promise<ChildView | null> {
  await visibleChild(ctx, signedIn, childId);
  const flag = await findConcern(ctx.db, flagId);
  if (!flag || flag.childId !== childId || flag.clearedAt)
    throw new NotFoundError('concern_not_found', 'There is no open concern with this identifier for this child.');
  requireAllowed(canClearConcern(signedIn.actor, agencyOf(signedIn), flag));
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    if (!(await clearConcern(tx, flagId, signedIn.actor.id, now))) throw new ConflictError('concern_already_cleared', 'This concern has already been cleared.');
    await appendAuditEntries(
      tx,
      [{ actorId: signedIn.actor.id, agencyId: flag.agencyId, action: 'concern.cleared', subjectType: 'child', subjectId: childId, detail: { flagId } }],
      now,
    );
    await delistIfIdle(tx, signedIn, childId, now);
  });
  return childViewAfter(ctx, signedIn, childId);
}
