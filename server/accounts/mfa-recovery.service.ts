import { hashToken, randomToken } from '../../crypto';
import { appendAuditEntries } from '../audit';
import type { Database } from '../db';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { queueNotices, wakeOutbox } from '../notifications';
import { inviteToken } from '../notifications/mail-content';
import {
  canCancelMfaRecovery,
  canCancelOwnMfaRecovery,
  canConfirmMfaRecovery,
  canRequestMfaRecovery,
  mfaRecoveryScope,
  recoveryNeedsConfirmation,
  requireAllowed,
  type TargetUser,
} from '../policy';
import { localDate } from '../shared/clock';
import type { QueuedNotice, ServiceContext } from '../shared/context';
import { loadUserRecord, userNames, type UserRecord } from './accounts.store';
import { adminAlerts } from './mfa-recovery-alerts';
import type { MfaRecoveryInput, OwnRecoveryCancelReason } from './mfa-recovery.schema';
import {
  cancelRecovery,
  confirmRecovery,
  findMfaRecovery,
  findOpenRecoveryOf,
  insertMfaRecovery,
  listRecentRecoveries,
  lockRecoveriesOf,
  supersedeOpenRecoveries,
  type MfaRecoveryRow,
} from './mfa-recovery.store';
import { actorOf, type SignedIn } from './session-view';
import { deleteUserSessions } from './sessions.store';

// Admin-assisted recovery of a lost second factor (docs/sign-in.md, "A lost authenticator app").
// The admin records how and when they checked the person's identity; the two-person rule applies
// to admins and designated officers (server/policy/recovery.policy.ts); the link is e-mailed once
// it may go, works once, and its use is the re-enrolment: the new authenticator replaces the old
// in the same transaction that uses the link, so the account is never without a second factor.

export type MfaRecoveryStatus = 'awaiting_confirmation' | 'link_sent' | 'completed' | 'cancelled' | 'replaced' | 'expired';

export interface MfaRecoveryView {
  id: string;
  userId: string;
  userName: string | null;
  status: MfaRecoveryStatus;
  needsConfirmation: boolean;
  requestedBy: string | null;
  confirmedBy: string | null;
  identityCheckMethod: string;
  identityCheckedAt: string;
  reason: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  /** Set when the person cancelled it themselves, and why (`not_requested`: they say they never asked). */
  cancelledByPerson: 'not_requested' | 'no_longer_needed' | null;
}

const IDENTITY_CHECK_MAX_AGE_MS = 7 * 24 * 3_600_000;

function statusOf(row: MfaRecoveryRow, now: Date): MfaRecoveryStatus {
  if (row.usedAt) return 'completed';
  if (row.cancelledAt) return row.replacedBy ? 'replaced' : 'cancelled';
  if (row.expiresAt <= now) return 'expired';
  return row.tokenHash ? 'link_sent' : 'awaiting_confirmation';
}

function toView(row: MfaRecoveryRow, userName: string | null, now: Date): MfaRecoveryView {
  return {
    id: row.id,
    userId: row.userId,
    userName,
    status: statusOf(row, now),
    needsConfirmation: row.needsConfirmation,
    requestedBy: row.requestedBy,
    confirmedBy: row.confirmedBy,
    identityCheckMethod: row.identityCheckMethod,
    identityCheckedAt: row.identityCheckedAt.toISOString(),
    reason: row.reason,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    usedAt: row.usedAt?.toISOString() ?? null,
    cancelledByPerson: row.cancelledByPerson,
  };
}

function targetOf(record: UserRecord, now: Date): TargetUser {
  const { id, role, agencyId, status } = actorOf(record, localDate(now));
  return { id, role, agencyId, status };
}

async function requireUser(ctx: ServiceContext, id: string): Promise<UserRecord> {
  const record = await loadUserRecord(ctx.db, id);
  if (!record) throw new NotFoundError('user_not_found', 'That user does not exist.');
  return record;
}

const windowEnd = (ctx: ServiceContext, now: Date) => new Date(now.getTime() + ctx.config.HAVEN_MFA_RECOVERY_HOURS * 3_600_000);

/** Issues the link (in the caller's transaction): its e-mail, and every session of the person ended. */
async function issueLink(tx: Database, userId: string, token: string, expiresAt: Date, now: Date) {
  const ended = await deleteUserSessions(tx, userId);
  const mail = await queueNotices(tx, [{ to: { userId }, content: { kind: 'mfa_recovery_link', token: inviteToken(token), expiresAt } }], now);
  return { ended, mail };
}

/** The identity check's time: not in the future (a minute of leeway for the admin's clock), at most 7 days ago. `path` names the field in the error. */
export function checkIdentityCheckTime(checkedAt: Date, now: Date, path = 'identityCheck.checkedAt'): void {
  if (checkedAt.getTime() > now.getTime() + 60_000) {
    throw new ValidationError('The identity check cannot be in the future.', [{ path, message: 'The identity check cannot be in the future' }]);
  }
  if (checkedAt.getTime() < now.getTime() - IDENTITY_CHECK_MAX_AGE_MS) {
    throw new ValidationError('The identity check is more than 7 days old: check who they are again.', [
      { path, message: 'The identity check is more than 7 days old: check who they are again' },
    ]);
  }
}

/**
 * An admin starts the recovery of a person's lost second factor, after checking who they are.
 * For a practitioner the link is e-mailed at once; for a designated officer or an admin it waits
 * for a different admin's confirmation. A newer request replaces any open one.
 */
export async function requestMfaRecovery(ctx: ServiceContext, signedIn: SignedIn, userId: string, input: MfaRecoveryInput): Promise<MfaRecoveryView> {
  const record = await requireUser(ctx, userId);
  const now = ctx.clock();
  const target = targetOf(record, now);
  requireAllowed(canRequestMfaRecovery(signedIn.actor, target));
  const checkedAt = new Date(input.identityCheck.checkedAt);
  checkIdentityCheckTime(checkedAt, now);
  const needsConfirmation = recoveryNeedsConfirmation(target.role);
  const token = needsConfirmation ? null : randomToken();
  const expiresAt = windowEnd(ctx, now);
  const subject = { id: userId, agencyId: record.user.agencyId, role: record.user.role };
  const { row, ended, mail } = await ctx.db.transaction(async (tx) => {
    await lockRecoveriesOf(tx, userId);
    const row = await insertMfaRecovery(tx, {
      userId,
      requestedBy: signedIn.actor.id,
      identityCheckMethod: input.identityCheck.method,
      identityCheckedAt: checkedAt,
      reason: input.reason,
      needsConfirmation,
      tokenHash: token ? hashToken(token) : null,
      createdAt: now,
      expiresAt,
    });
    // After the insert, so the requests it replaces can name it.
    const superseded = await supersedeOpenRecoveries(tx, userId, now, row.id);
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: record.user.agencyId,
          action: 'account.mfa_recovery_requested',
          subjectType: 'user',
          subjectId: userId,
          detail: {
            recoveryId: row.id,
            identityCheckMethod: input.identityCheck.method,
            identityCheckedAt: checkedAt.toISOString(),
            reason: input.reason,
            needsConfirmation,
            linkSent: token !== null,
            superseded,
          },
        },
      ],
      now,
    );
    const link = token ? await issueLink(tx, userId, token, expiresAt, now) : { ended: [], mail: [] as QueuedNotice[] };
    const notices = [
      { to: { userId }, content: { kind: 'mfa_recovery_started' as const, at: now } },
      ...(await adminAlerts(tx, subject, [signedIn.actor.id], { kind: 'mfa_recovery_admin_alert', at: now, stage: 'requested' })),
    ];
    return { row, ended: link.ended, mail: [...link.mail, ...(await queueNotices(tx, notices, now))] };
  });
  wakeOutbox(ctx, mail);
  ctx.notifier.sessionsEnded(ended, 'signed_out_everywhere');
  return toView(row, record.user.name, now);
}

/** A second admin confirms a recovery that needs it; the link is e-mailed then. Once, even when raced. */
export async function confirmMfaRecovery(ctx: ServiceContext, signedIn: SignedIn, recoveryId: string): Promise<MfaRecoveryView> {
  const recovery = await findMfaRecovery(ctx.db, recoveryId);
  if (!recovery) throw new NotFoundError('recovery_not_found', 'That recovery does not exist.');
  const record = await requireUser(ctx, recovery.userId);
  const now = ctx.clock();
  requireAllowed(canConfirmMfaRecovery(signedIn.actor, targetOf(record, now), recovery));
  const token = randomToken();
  const expiresAt = windowEnd(ctx, now);
  const outcome = await ctx.db.transaction(async (tx) => {
    const row = await confirmRecovery(tx, recoveryId, { confirmedBy: signedIn.actor.id, tokenHash: hashToken(token), expiresAt }, now);
    if (!row) return null;
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: record.user.agencyId,
          action: 'account.mfa_recovery_confirmed',
          subjectType: 'user',
          subjectId: record.user.id,
          detail: { recoveryId, requestedBy: recovery.requestedBy },
        },
      ],
      now,
    );
    const link = await issueLink(tx, record.user.id, token, expiresAt, now);
    const alerts = await adminAlerts(tx, record.user, [signedIn.actor.id], {
      kind: 'mfa_recovery_admin_alert',
      at: now,
      stage: 'confirmed',
    });
    return { row, ended: link.ended, mail: [...link.mail, ...(await queueNotices(tx, alerts, now))] };
  });
  if (!outcome) {
    throw new ConflictError(
      'recovery_not_awaiting_confirmation',
      'This recovery is not waiting for a confirmation: it was confirmed, replaced, used or has expired.',
    );
  }
  wakeOutbox(ctx, outcome.mail);
  ctx.notifier.sessionsEnded(outcome.ended, 'signed_out_everywhere');
  return toView(outcome.row, record.user.name, now);
}

/**
 * An admin cancels an open recovery: its link (sent or still waiting for a confirmation) stops
 * working. Once, even when raced; audited; the person and the other admins are told.
 */
export async function cancelMfaRecovery(ctx: ServiceContext, signedIn: SignedIn, recoveryId: string, reason: string): Promise<MfaRecoveryView> {
  const recovery = await findMfaRecovery(ctx.db, recoveryId);
  if (!recovery) throw new NotFoundError('recovery_not_found', 'That recovery does not exist.');
  const record = await requireUser(ctx, recovery.userId);
  const now = ctx.clock();
  requireAllowed(canCancelMfaRecovery(signedIn.actor, targetOf(record, now)));
  const outcome = await ctx.db.transaction(async (tx) => {
    const row = await cancelRecovery(tx, recoveryId, now);
    if (!row) return null;
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: record.user.agencyId,
          action: 'account.mfa_recovery_cancelled',
          subjectType: 'user',
          subjectId: record.user.id,
          detail: { recoveryId, reason, requestedBy: recovery.requestedBy, linkWasSent: recovery.tokenHash !== null },
        },
      ],
      now,
    );
    const notices = [
      { to: { userId: record.user.id }, content: { kind: 'mfa_recovery_cancelled' as const, at: now } },
      ...(await adminAlerts(tx, record.user, [signedIn.actor.id], { kind: 'mfa_recovery_admin_alert', at: now, stage: 'cancelled' })),
    ];
    return { row, mail: await queueNotices(tx, notices, now) };
  });
  if (!outcome) {
    throw new ConflictError('recovery_not_open', 'This recovery can no longer be cancelled: it was used, replaced, cancelled or has expired.');
  }
  wakeOutbox(ctx, outcome.mail);
  return toView(outcome.row, record.user.name, now);
}

/**
 * What the person is told of an open recovery of their own account, so that one they did not ask
 * for can be cancelled: who started it, the identity check recorded, and where it stands.
 */
export interface OwnMfaRecoveryView {
  id: string;
  status: 'awaiting_confirmation' | 'link_sent';
  requestedByName: string | null;
  identityCheckMethod: string;
  identityCheckedAt: string;
  createdAt: string;
  expiresAt: string;
  /** Whether this session may cancel it (policy: canCancelOwnMfaRecovery; not before a second factor is set up). */
  cancellable: boolean;
}

/** The signed-in person's open recovery, or null. */
export async function ownMfaRecovery(ctx: ServiceContext, signedIn: SignedIn): Promise<OwnMfaRecoveryView | null> {
  const now = ctx.clock();
  const row = await findOpenRecoveryOf(ctx.db, signedIn.actor.id, now);
  if (!row) return null;
  const names = row.requestedBy ? await userNames(ctx.db, [row.requestedBy]) : new Map<string, string>();
  return {
    id: row.id,
    status: row.tokenHash ? 'link_sent' : 'awaiting_confirmation',
    requestedByName: row.requestedBy ? (names.get(row.requestedBy) ?? null) : null,
    identityCheckMethod: row.identityCheckMethod,
    identityCheckedAt: row.identityCheckedAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    cancellable: canCancelOwnMfaRecovery(signedIn.actor, row).allow,
  };
}

/**
 * The person cancels the open recovery of their own account, signed in with their current second
 * factor (policy: canCancelOwnMfaRecovery): they did not ask for it, or no longer need it. The link
 * stops working, or the request can no longer be confirmed. Taken one at a time per person with new
 * requests (a request made at the same moment is either cancelled or made after), so of concurrent
 * cancels exactly one succeeds. Audited; the person is e-mailed (a stolen session cancelling is
 * then seen), and the admins are alerted — with a warning when the person says they never asked.
 */
export async function cancelOwnMfaRecovery(ctx: ServiceContext, signedIn: SignedIn, why: OwnRecoveryCancelReason): Promise<void> {
  const userId = signedIn.actor.id;
  const record = await requireUser(ctx, userId);
  const now = ctx.clock();
  const outcome = await ctx.db.transaction(async (tx) => {
    await lockRecoveriesOf(tx, userId);
    const open = await findOpenRecoveryOf(tx, userId, now);
    if (!open) return null;
    requireAllowed(canCancelOwnMfaRecovery(signedIn.actor, open));
    const row = await cancelRecovery(tx, open.id, now, why);
    if (!row) return null;
    await appendAuditEntries(
      tx,
      [
        {
          actorId: userId,
          agencyId: record.user.agencyId,
          action: 'account.mfa_recovery_cancelled',
          subjectType: 'user',
          subjectId: userId,
          detail: { recoveryId: row.id, byThePerson: why, requestedBy: row.requestedBy, linkWasSent: row.tokenHash !== null },
        },
      ],
      now,
    );
    const alert = {
      kind: 'mfa_recovery_admin_alert' as const,
      at: now,
      stage: why === 'not_requested' ? ('disowned' as const) : ('cancelled_by_person' as const),
    };
    const alerts = await adminAlerts(tx, record.user, [userId], alert);
    // The admin who started it hears too, whoever else does: they may be the one who was fooled.
    const starter = row.requestedBy;
    if (starter && starter !== userId && !alerts.some((n) => 'userId' in n.to && n.to.userId === starter))
      alerts.push({ to: { userId: starter }, content: alert });
    const notices = [{ to: { userId }, content: { kind: 'mfa_recovery_cancelled' as const, at: now, byThePerson: true } }, ...alerts];
    return { mail: await queueNotices(tx, notices, now) };
  });
  if (!outcome)
    throw new NotFoundError('no_open_recovery', 'There is no open recovery of your sign-in to cancel: it was used, cancelled, replaced or has expired.');
  wakeOutbox(ctx, outcome.mail);
}

/** The last 30 days' recoveries an admin may see (their agency's; everyone's for a system admin). */
export async function listMfaRecoveries(
  ctx: ServiceContext,
  signedIn: SignedIn,
): Promise<(MfaRecoveryView & { requestedByName: string | null; confirmedByName: string | null; newKeysFingerprint: string | null })[]> {
  const { decision, agencyId } = mfaRecoveryScope(signedIn.actor);
  requireAllowed(decision);
  const now = ctx.clock();
  const rows = await listRecentRecoveries(ctx.db, agencyId, new Date(now.getTime() - 30 * 24 * 3_600_000));
  // Who recovered whose sign-in, and how their identity was checked, is personal: looking is audited.
  await appendAuditEntries(
    ctx.db,
    [
      {
        actorId: signedIn.actor.id,
        agencyId: signedIn.actor.agencyId,
        action: 'account.mfa_recoveries_listed',
        detail: { agencyId, count: rows.length, recoveryIds: rows.map((r) => r.recovery.id) },
      },
    ],
    now,
  );
  const admins = rows.flatMap((r) => [r.recovery.requestedBy, r.recovery.confirmedBy]).filter((id): id is string => id !== null);
  const names = await userNames(ctx.db, [...new Set(admins)]);
  const nameOf = (id: string | null) => (id === null ? null : (names.get(id) ?? null));
  return rows.map((r) => ({
    ...toView(r.recovery, r.userName, now),
    requestedByName: nameOf(r.recovery.requestedBy),
    confirmedByName: nameOf(r.recovery.confirmedBy),
    // Keys made after the recovery (no passphrase or recovery key to restore the old ones): the
    // admins who recovered the person attest them, so colleagues see a vouched-for key change.
    newKeysFingerprint: r.recovery.usedAt && r.keys?.createdAt && r.keys.createdAt >= r.recovery.usedAt ? r.keys.fingerprint : null,
  }));
}
