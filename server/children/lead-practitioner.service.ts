import type { z } from 'zod';
import type { SignedIn } from '../accounts/session-view';
import { loadUserRecord, loadUserRecords, type UserRecord } from '../accounts/accounts.store';
import { userStatusOn } from '../accounts/verification-rules';
import { appendAuditEntries, type NewAuditEntry } from '../audit';
import { ConflictError, NotFoundError } from '../errors';
import {
  canAppointLeadPractitioner,
  canEndLeadPractitioner,
  canListLedChildren,
  canManageLeadPractitioner,
  canReplaceLeadPractitioner,
  requireAllowed,
  type LeadCandidate,
  type Role,
} from '../policy';
import { localDate } from '../shared/clock';
import type { ServiceContext } from '../shared/context';
import { listNamedChildren } from './child-names';
import type { appointLeadBody } from './children.schema';
import { agencyOf, visibleChild } from './children.service';
import { openInvolvements } from './children.store';
import { childrenLedBy, currentLead, endLead, insertLead, leadChanged, type LeadRecord } from './lead-practitioner.store';

/** A child's lead practitioner as their agency's admins see the appointment. */
export interface LeadView {
  id: string;
  user: { id: string; name: string };
  agency: { id: string; name: string };
  appointedBy: { id: string; name: string };
  appointedAt: string;
  reason: string;
  /** False once the appointing agency no longer serves the child: the appointment then gives no access. */
  agencyInvolved: boolean;
}

export interface LeadAdminView {
  lead: LeadView | null;
  /** The admin's own staff who may be appointed (verified practitioners and designated officers). */
  candidates: { id: string; name: string; role: Role }[];
}

function leadView(record: LeadRecord): LeadView {
  const { appointment } = record;
  return {
    id: appointment.id,
    user: { id: appointment.userId, name: record.userName },
    agency: { id: appointment.agencyId, name: record.agencyName },
    appointedBy: { id: appointment.appointedBy, name: record.appointedByName },
    appointedAt: appointment.appointedAt.toISOString(),
    reason: appointment.reason,
    agencyInvolved: record.agencyInvolved,
  };
}

const involvedAgencyIds = async (ctx: ServiceContext, childId: string) => (await openInvolvements(ctx.db, childId)).map((i) => i.agency.id);

function candidateOf(record: UserRecord, today: string): LeadCandidate {
  const { user, verification } = record;
  return { id: user.id, role: user.role, agencyId: user.agencyId, status: userStatusOn(today, user, verification) };
}

/** Who leads for the child, and whom this admin could appoint instead; reading the appointment (and its reason) is audited. */
export async function leadForAdmin(ctx: ServiceContext, signedIn: SignedIn, childId: string): Promise<LeadAdminView> {
  const child = { involvedAgencyIds: await involvedAgencyIds(ctx, childId) };
  requireAllowed(canManageLeadPractitioner(signedIn.actor, agencyOf(signedIn), child));
  await visibleChild(ctx, signedIn, childId);
  const agencyId = signedIn.actor.agencyId;
  if (!agencyId) throw new Error('policy allowed an admin without an agency');
  const today = localDate(ctx.clock());
  const [lead, staff] = await Promise.all([currentLead(ctx.db, childId), loadUserRecords(ctx.db, { agencyId })]);
  const candidates = staff
    .filter((record) => canAppointLeadPractitioner(signedIn.actor, agencyOf(signedIn), child, candidateOf(record, today)).allow)
    .map(({ user }) => ({ id: user.id, name: user.name, role: user.role }));
  await appendAuditEntries(
    ctx.db,
    [
      {
        actorId: signedIn.actor.id,
        agencyId,
        action: 'child.lead_practitioner_viewed',
        subjectType: 'child',
        subjectId: childId,
        detail: { appointmentId: lead?.appointment.id ?? null },
      },
    ],
    ctx.clock(),
  );
  return { lead: lead && leadView(lead), candidates };
}

/**
 * Appoints a practitioner of the admin's own agency as the child's lead. One lead per child: the
 * admin's own agency's lead is replaced (ended, then the new one appointed, in one transaction);
 * another agency's stands (409 `lead_exists`) unless that agency no longer serves the child.
 * Concurrent appointments are decided by the partial unique index (409 `lead_changed`).
 */
export async function appointLead(ctx: ServiceContext, signedIn: SignedIn, childId: string, body: z.infer<typeof appointLeadBody>): Promise<LeadView> {
  const { actor } = signedIn;
  const child = { involvedAgencyIds: await involvedAgencyIds(ctx, childId) };
  requireAllowed(canManageLeadPractitioner(actor, agencyOf(signedIn), child));
  await visibleChild(ctx, signedIn, childId);
  const candidate = await loadUserRecord(ctx.db, body.userId);
  if (!candidate) throw new NotFoundError('user_not_found', 'There is no user with this identifier.');
  requireAllowed(canAppointLeadPractitioner(actor, agencyOf(signedIn), child, candidateOf(candidate, localDate(ctx.clock()))));
  const current = await currentLead(ctx.db, childId);
  if (current?.appointment.userId === body.userId) {
    throw new ConflictError('already_lead', `${current.userName} is already lead practitioner for this child.`);
  }
  // Not a question of who the admin is but of the child's state: another agency's lead stands, so this is a conflict (409), not a refusal.
  const replace = canReplaceLeadPractitioner(
    actor,
    current && { agencyId: current.appointment.agencyId, agencyInvolved: current.agencyInvolved, userName: current.userName, agencyName: current.agencyName },
  );
  if (!replace.allow) throw new ConflictError(replace.reason.code, replace.reason.message);
  const agencyId = candidate.user.agencyId;
  if (!agencyId) throw new Error('policy allowed a lead without an agency');
  const now = ctx.clock();
  const appointment = await ctx.db.transaction(async (tx) => {
    const entries: NewAuditEntry[] = [];
    if (current) {
      if (!(await endLead(tx, current.appointment.id, actor.id, now))) throw leadChanged();
      entries.push({
        actorId: actor.id,
        agencyId: actor.agencyId,
        action: 'lead_practitioner.ended',
        subjectType: 'child',
        subjectId: childId,
        detail: { appointmentId: current.appointment.id, leadId: current.appointment.userId, replaced: true },
      });
    }
    const row = await insertLead(tx, { childId, userId: body.userId, agencyId, appointedBy: actor.id, appointedAt: now, reason: body.reason });
    entries.push({
      actorId: actor.id,
      agencyId: actor.agencyId,
      action: 'lead_practitioner.appointed',
      subjectType: 'child',
      subjectId: childId,
      detail: { appointmentId: row.id, leadId: body.userId, ...(current ? { replaces: current.appointment.id } : {}) },
      privateDetail: { detail: { reason: body.reason }, childIds: [childId] },
    });
    await appendAuditEntries(tx, entries, now);
    return row;
  });
  return leadView({
    appointment,
    userName: candidate.user.name,
    agencyName: candidate.agency?.name ?? 'Unknown agency',
    appointedByName: signedIn.record.user.name,
    agencyInvolved: true,
  });
}

/** Ends the child's current lead appointment: an admin of the agency that made it, with a reason (audited). */
export async function endLeadAppointment(ctx: ServiceContext, signedIn: SignedIn, childId: string, reason: string): Promise<void> {
  // The admin's standing first, then the child's visibility, so a shielded child's appointment is neither named nor refused.
  requireAllowed(canEndLeadPractitioner(signedIn.actor, agencyOf(signedIn), null));
  await visibleChild(ctx, signedIn, childId);
  const current = await currentLead(ctx.db, childId);
  requireAllowed(canEndLeadPractitioner(signedIn.actor, agencyOf(signedIn), current && { agencyId: current.appointment.agencyId }));
  if (!current) throw new NotFoundError('no_lead', 'This child has no lead practitioner.');
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    if (!(await endLead(tx, current.appointment.id, signedIn.actor.id, now))) throw leadChanged();
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: signedIn.actor.agencyId,
          action: 'lead_practitioner.ended',
          subjectType: 'child',
          subjectId: childId,
          detail: { appointmentId: current.appointment.id, leadId: current.appointment.userId },
          privateDetail: { detail: { reason }, childIds: [childId] },
        },
      ],
      now,
    );
  });
}

export interface LedChild {
  id: string;
  name: string;
  dateOfBirth: string;
  /** When this person was appointed. */
  since: string;
}

/** The children this practitioner is lead for, on Home: named under the usual rule, and listing them is audited. */
export async function childrenILead(ctx: ServiceContext, signedIn: SignedIn): Promise<LedChild[]> {
  requireAllowed(canListLedChildren(signedIn.actor));
  const led = await childrenLedBy(ctx.db, signedIn.actor.id);
  const list = await listNamedChildren(ctx, signedIn, led, (l) => l.childId, 'home');
  return list.map(({ item, child }) => ({ id: child.id, name: child.name, dateOfBirth: child.dateOfBirth, since: item.since.toISOString() }));
}
