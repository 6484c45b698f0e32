import type { SignedIn } from '../accounts/session-view';
import { appendAuditEntries } from '../audit';
import { auditNamesListed, childrenNamedFor } from '../children/child-names';
import { workingCalendar } from '../config';
import type { Database } from '../db';
import { ConflictError, NotFoundError } from '../errors';
import { adminAlertScope, canCancelObligation, requireAllowed } from '../policy';
import { queueNotices, wakeOutbox } from '../notifications';
import type { QueuedNotice, ServiceContext } from '../shared/context';
import { addWorkingDays } from '../shared/working-days';
import {
  escalatedObligations,
  escalationRecipients,
  findObligation,
  insertNotices,
  insertObligation,
  lockOpenObligation,
  markNoticeRead,
  noticesOf,
  obligationsNeedingAttention,
  openObligationForDischarge,
  openObligationsOf,
  updateObligation,
  type ObligationRow,
} from './obligations.store';

export interface ObligationView {
  id: string;
  childId: string;
  verbalShareId: string;
  officerId: string;
  createdAt: string;
  dueAt: string;
  remindAt: string;
  overdue: boolean;
  escalations: number;
}

export function obligationView(row: ObligationRow, now: Date): ObligationView {
  return {
    id: row.id,
    childId: row.childId,
    verbalShareId: row.verbalShareId,
    officerId: row.officerId,
    createdAt: row.createdAt.toISOString(),
    dueAt: row.dueAt.toISOString(),
    remindAt: row.remindAt.toISOString(),
    overdue: row.dueAt <= now,
    escalations: row.escalations,
  };
}

/** An emergency verbal share obliges the officer to file the written record within the protocol's timescale. */
export async function createObligation(
  ctx: ServiceContext,
  tx: Database,
  input: { childId: string; verbalShareId: string; officerId: string; agencyId: string | null; occurredAt: Date },
): Promise<ObligationRow> {
  const now = ctx.clock();
  const dueAt = addWorkingDays(input.occurredAt, ctx.config.HAVEN_WRITTEN_RECORD_WORKING_DAYS, workingCalendar(ctx.config));
  const remindAt = new Date(Math.max(now.getTime(), dueAt.getTime() - ctx.config.HAVEN_OBLIGATION_REMINDER_HOURS * 3_600_000));
  const row = await insertObligation(tx, {
    childId: input.childId,
    verbalShareId: input.verbalShareId,
    officerId: input.officerId,
    createdAt: now,
    dueAt,
    remindAt,
  });
  await appendAuditEntries(
    tx,
    [
      {
        actorId: input.officerId,
        agencyId: input.agencyId,
        action: 'obligation.created',
        subjectType: 'child',
        subjectId: input.childId,
        detail: { obligationId: row.id, dueAt: dueAt.toISOString() },
      },
    ],
    now,
  );
  return row;
}

/** Filing the written record discharges the obligation, in the same transaction as the record. */
export async function dischargeObligation(
  ctx: ServiceContext,
  tx: Database,
  input: { obligationId: string; officerId: string; agencyId: string | null; childId: string; messageId: string },
): Promise<void> {
  const row = await openObligationForDischarge(tx, input.obligationId, input.officerId, input.childId);
  if (!row) throw new NotFoundError('obligation_not_found', 'There is no open obligation of yours for this child with that identifier.');
  const now = ctx.clock();
  await updateObligation(tx, row.id, { dischargedAt: now, dischargedByMessageId: input.messageId });
  await appendAuditEntries(
    tx,
    [
      {
        actorId: input.officerId,
        agencyId: input.agencyId,
        action: 'obligation.discharged',
        subjectType: 'child',
        subjectId: input.childId,
        detail: { obligationId: row.id, messageId: input.messageId },
      },
    ],
    now,
  );
}

/**
 * One pass of the deadline worker: reminders that are due, and an escalation for each overdue
 * obligation per escalation period. Everything is decided from the database and the clock, each
 * obligation under a row lock, and every notice is unique — so a crash, a restart, a flushed
 * Redis or two workers at once can neither lose nor repeat a reminder or an escalation. Each
 * reminder and escalation is e-mailed too, the outbox row written in the same transaction (the
 * e-mail names the deadline only, never the child).
 */
export async function sweepObligations(ctx: Pick<ServiceContext, 'db' | 'clock' | 'config' | 'outbox'>): Promise<{ reminders: number; escalations: number }> {
  const now = ctx.clock();
  const periodMs = ctx.config.HAVEN_OBLIGATION_ESCALATION_HOURS * 3_600_000;
  let reminders = 0;
  let escalations = 0;
  for (const id of await obligationsNeedingAttention(ctx.db, now)) {
    const mail: QueuedNotice[] = [];
    await ctx.db.transaction(async (tx) => {
      const row = await lockOpenObligation(tx, id);
      if (!row) return;
      if (!row.remindedAt && row.remindAt <= now) {
        await insertNotices(tx, [{ userId: row.officerId, kind: 'obligation_reminder', obligationId: row.id, round: 1, createdAt: now }]);
        mail.push(...(await queueNotices(tx, [{ to: { userId: row.officerId }, content: { kind: 'obligation_reminder', dueAt: row.dueAt } }], now)));
        await updateObligation(tx, row.id, { remindedAt: now });
        await appendAuditEntries(
          tx,
          [{ actorId: null, agencyId: null, action: 'obligation.reminded', subjectType: 'child', subjectId: row.childId, detail: { obligationId: row.id } }],
          now,
        );
        reminders += 1;
      }
      if (row.dueAt <= now) {
        // Round 1 when it becomes overdue, then one more per escalation period while it stays so.
        // After downtime the current round is sent once, not every round that was missed.
        const round = Math.floor((now.getTime() - row.dueAt.getTime()) / periodMs) + 1;
        if (row.escalations < round) {
          const admins = await escalationRecipients(tx, row.officerId);
          await insertNotices(
            tx,
            admins.map((userId) => ({ userId, kind: 'obligation_escalation' as const, obligationId: row.id, round, createdAt: now })),
          );
          // The officer hears once that it is overdue; the admins at every round.
          const overdue = row.escalations === 0 ? [{ to: { userId: row.officerId }, content: { kind: 'obligation_overdue' as const, dueAt: row.dueAt } }] : [];
          const escalated = admins.map((userId) => ({ to: { userId }, content: { kind: 'obligation_escalation' as const, dueAt: row.dueAt, round } }));
          mail.push(...(await queueNotices(tx, [...overdue, ...escalated], now)));
          await updateObligation(tx, row.id, { escalations: round, lastEscalatedAt: now });
          await appendAuditEntries(
            tx,
            [
              {
                actorId: null,
                agencyId: null,
                action: 'obligation.escalated',
                subjectType: 'child',
                subjectId: row.childId,
                detail: { obligationId: row.id, round, admins: admins.length },
              },
            ],
            now,
          );
          escalations += 1;
        }
      }
    });
    wakeOutbox(ctx, mail);
  }
  return { reminders, escalations };
}

/** An admin may cancel an obligation, with a reason; it is never deleted. */
export async function cancelObligation(ctx: ServiceContext, signedIn: SignedIn, id: string, reason: string): Promise<ObligationView> {
  requireAllowed(canCancelObligation(signedIn.actor));
  const row = await findObligation(ctx.db, id);
  if (!row) throw new NotFoundError('obligation_not_found', 'There is no such obligation.');
  if (row.dischargedAt || row.cancelledAt) throw new ConflictError('obligation_closed', 'This obligation is no longer open.');
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    await updateObligation(tx, id, { cancelledAt: now, cancelledBy: signedIn.actor.id, cancelReason: reason });
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: signedIn.actor.agencyId,
          action: 'obligation.cancelled',
          subjectType: 'child',
          subjectId: row.childId,
          detail: { obligationId: id },
          privateDetail: { detail: { reason }, childIds: [row.childId] },
        },
      ],
      now,
    );
  });
  return obligationView({ ...row, cancelledAt: now }, now);
}

/**
 * The officer's dashboard: their open obligations, soonest first, each with the child's name where
 * policy lets this officer see it without a reason (an officer on the case does); listing the names
 * is audited like any other list of names.
 */
export async function myObligations(ctx: ServiceContext, signedIn: SignedIn): Promise<(ObligationView & { childName: string | null })[]> {
  const now = ctx.clock();
  const rows = await openObligationsOf(ctx.db, signedIn.actor.id);
  const named = await childrenNamedFor(
    ctx,
    signedIn,
    rows.map((r) => r.childId),
  );
  await auditNamesListed(ctx, signedIn, [...named.keys()], 'written-records-due');
  return rows.map((r) => ({ ...obligationView(r, now), childName: named.get(r.childId)?.name ?? null }));
}

/** The admin's dashboard: open obligations that have been escalated, in their scope. */
export async function escalations(ctx: ServiceContext, signedIn: SignedIn): Promise<(ObligationView & { officer: { id: string; name: string } })[]> {
  const scope = adminAlertScope(signedIn.actor);
  requireAllowed(scope.decision);
  const now = ctx.clock();
  return (await escalatedObligations(ctx.db, scope.agencyId)).map((r) => ({
    ...obligationView(r.obligation, now),
    officer: { id: r.obligation.officerId, name: r.officerName },
  }));
}

/**
 * The signed-in user's own notices (reminders, escalations, attempts to register their address):
 * ids, kinds and times only, never child details or anything about who else was involved.
 */
export async function myNotices(ctx: ServiceContext, signedIn: SignedIn) {
  const rows = await noticesOf(ctx.db, signedIn.actor.id);
  return rows.map((n) => ({
    id: n.id,
    kind: n.kind,
    obligationId: n.obligationId,
    round: n.round,
    createdAt: n.createdAt.toISOString(),
    read: n.readAt !== null,
  }));
}

/** Marks one of the signed-in user's own notices read (nobody else's: those are "not found"). */
export async function readNotice(ctx: ServiceContext, signedIn: SignedIn, id: string): Promise<void> {
  if (!(await markNoticeRead(ctx.db, id, signedIn.actor.id, ctx.clock()))) throw new NotFoundError('notice_not_found', 'You have no such notice.');
}
