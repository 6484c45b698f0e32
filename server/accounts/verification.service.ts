import type { z } from 'zod';
import { findAgency } from '../agencies';
import { appendAuditEntries } from '../audit';
import { NotFoundError, ValidationError, type FieldIssue } from '../errors';
import { canListUsers, canReinstate, canSuspend, canVerify, canViewUser, requireAllowed, type TargetUser } from '../policy';
import { calendarDate, queueNotices, wakeOutbox } from '../notifications';
import { localDate } from '../shared/clock';
import { deleteUserSessions } from './sessions.store';
import type { ServiceContext } from '../shared/context';
import type { listUsersQuery, verifyBody } from './accounts.schema';
import { insertVerification, loadUserRecord, loadUserRecords, updateUser, userNames, type UserRecord } from './accounts.store';
import { actorOf, type SignedIn } from './session-view';
import { mentionedUserIds, toUserView, type UserView } from './user-view';
import { verificationExpiresOn } from './verification-rules';

async function views(ctx: ServiceContext, records: UserRecord[]): Promise<UserView[]> {
  const names = await userNames(ctx.db, mentionedUserIds(records));
  const today = localDate(ctx.clock());
  return records.map((r) => toUserView(r, today, names));
}

function targetOf(record: UserRecord, today: string): TargetUser {
  const { id, role, agencyId, status } = actorOf(record, today);
  return { id, role, agencyId, status };
}

async function requireUser(ctx: ServiceContext, id: string): Promise<UserRecord> {
  const record = await loadUserRecord(ctx.db, id);
  if (!record) throw new NotFoundError('user_not_found', 'That user does not exist.');
  return record;
}

export async function listUsers(ctx: ServiceContext, signedIn: SignedIn, query: z.infer<typeof listUsersQuery>): Promise<UserView[]> {
  // Agency admins are always scoped to their own agency, whether or not they asked for it.
  const agencyId = query.agencyId ?? (signedIn.actor.role === 'system_admin' ? null : signedIn.actor.agencyId);
  requireAllowed(canListUsers(signedIn.actor, agencyId));
  const records = await loadUserRecords(ctx.db, agencyId ? { agencyId } : {});
  const all = await views(ctx, records);
  await appendAuditEntries(
    ctx.db,
    [{ actorId: signedIn.actor.id, agencyId: signedIn.actor.agencyId, action: 'users.listed', detail: { agencyId, status: query.status, count: all.length } }],
    ctx.clock(),
  );
  return query.status === 'all' ? all : all.filter((u) => u.status === query.status);
}

export async function getUser(ctx: ServiceContext, signedIn: SignedIn, id: string): Promise<UserView> {
  const record = await requireUser(ctx, id);
  requireAllowed(canViewUser(signedIn.actor, targetOf(record, localDate(ctx.clock()))));
  if (id !== signedIn.actor.id) {
    await appendAuditEntries(
      ctx.db,
      [{ actorId: signedIn.actor.id, agencyId: signedIn.actor.agencyId, action: 'user.viewed', subjectType: 'user', subjectId: id }],
      ctx.clock(),
    );
  }
  const [view] = await views(ctx, [record]);
  if (!view) throw new NotFoundError('user_not_found', 'That user does not exist.');
  return view;
}

function checkVerificationDates(input: z.infer<typeof verifyBody>, today: string, expiresOn: string): void {
  const issues: FieldIssue[] = [];
  const notFuture = (path: keyof typeof input, label: string) => {
    if (input[path] > today) issues.push({ path, message: `${label} cannot be in the future` });
  };
  notFuture('identityCheckedOn', 'The identity check date');
  notFuture('vettingCheckedOn', 'The vetting check date');
  notFuture('trainingCompletedOn', 'The training date');
  if (issues.length === 0 && expiresOn <= today) {
    issues.push({
      path: 'vettingCheckedOn',
      message: `These dates are already due for renewal (verification would have expired on ${expiresOn}). Record a current vetting check and training first.`,
    });
  }
  if (issues.length) throw new ValidationError('Check the verification dates.', issues);
}

export async function verifyUser(ctx: ServiceContext, signedIn: SignedIn, id: string, input: z.infer<typeof verifyBody>): Promise<UserView> {
  const record = await requireUser(ctx, id);
  const today = localDate(ctx.clock());
  const agency = record.user.agencyId ? ((await findAgency(ctx.db, record.user.agencyId)) ?? null) : null;
  requireAllowed(canVerify(signedIn.actor, targetOf(record, today), { role: input.role, agency }));
  const expiresOn = verificationExpiresOn(input, {
    vettingMonths: ctx.config.HAVEN_VETTING_RENEWAL_MONTHS,
    trainingMonths: ctx.config.HAVEN_TRAINING_RENEWAL_MONTHS,
  });
  checkVerificationDates(input, today, expiresOn);
  const now = ctx.clock();
  const mail = await ctx.db.transaction(async (tx) => {
    await insertVerification(tx, { userId: id, verifiedBy: signedIn.actor.id, verifiedAt: now, ...input, expiresOn });
    await updateUser(tx, id, { role: input.role });
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: record.user.agencyId,
          action: 'account.verified',
          subjectType: 'user',
          subjectId: id,
          detail: {
            role: input.role,
            identityCheckedOn: input.identityCheckedOn,
            vettingCheckedOn: input.vettingCheckedOn,
            trainingCompletedOn: input.trainingCompletedOn,
            expiresOn,
          },
        },
      ],
      now,
    );
    return queueNotices(tx, [{ to: { userId: id }, content: { kind: 'account_verified', expiresOn: calendarDate(expiresOn) } }], now);
  });
  wakeOutbox(ctx, mail);
  return getUserView(ctx, id);
}

/** Suspends (or reinstates) a user; the reason is kept on the account and in the audit log. */
export async function setSuspension(ctx: ServiceContext, signedIn: SignedIn, id: string, change: { suspend: boolean; reason: string }): Promise<UserView> {
  const record = await requireUser(ctx, id);
  const target = targetOf(record, localDate(ctx.clock()));
  requireAllowed(change.suspend ? canSuspend(signedIn.actor, target) : canReinstate(signedIn.actor, target));
  const now = ctx.clock();
  const { ended, mail } = await ctx.db.transaction(async (tx) => {
    await updateUser(
      tx,
      id,
      change.suspend
        ? { suspendedAt: now, suspendedBy: signedIn.actor.id, suspensionReason: change.reason }
        : { suspendedAt: null, suspendedBy: null, suspensionReason: null },
    );
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: record.user.agencyId,
          action: change.suspend ? 'account.suspended' : 'account.reinstated',
          subjectType: 'user',
          subjectId: id,
          detail: { reason: change.reason },
        },
      ],
      now,
    );
    // The e-mail says suspended or reinstated, never the reason (free text an admin typed).
    const mail = await queueNotices(tx, [{ to: { userId: id }, content: { kind: change.suspend ? 'account_suspended' : 'account_reinstated' } }], now);
    // A suspended user is signed out everywhere at once: no live socket keeps receiving messages.
    return { ended: change.suspend ? await deleteUserSessions(tx, id) : [], mail };
  });
  wakeOutbox(ctx, mail);
  ctx.notifier.sessionsEnded(ended, 'suspended');
  return getUserView(ctx, id);
}

async function getUserView(ctx: ServiceContext, id: string): Promise<UserView> {
  const [view] = await views(ctx, [await requireUser(ctx, id)]);
  if (!view) throw new NotFoundError('user_not_found', 'That user does not exist.');
  return view;
}
