import { hashToken, randomToken } from '../../crypto';
import { appendAuditEntries } from '../audit';
import { queueNotices, wakeOutbox } from '../notifications';
import { canOperatorRecoverMfa, requireAllowed } from '../policy';
import { localDate } from '../shared/clock';
import type { ServiceContext } from '../shared/context';
import { countActiveSystemAdmins } from './accounts.store';
import type { IDENTITY_CHECK_METHODS } from './mfa-recovery.schema';
import { checkIdentityCheckTime } from './mfa-recovery.service';
import { insertMfaRecovery, recoveryAlertRecipients, lockRecoveriesOf, supersedeOpenRecoveries } from './mfa-recovery.store';
import { findUserForOperator } from './operator.service';
import { actorOf } from './session-view';
import { deleteUserSessions } from './sessions.store';

export interface OperatorRecovery {
  userId: string;
  name: string;
  email: string;
  /** The one-time link to hand to the admin; printed once, never stored in readable form. */
  url: string;
  expiresAt: string;
}

/**
 * The operator recovers the last system admin's second factor at the server's command line
 * (`npm run haven -- recover-admin`), when no two other system admins could do it from the web.
 * The same recovery as an admin starts — identity check recorded, every session ended, a link
 * that works once and whose use is the re-enrolment, the other system admins alerted, audited
 * with `via: 'cli'` — except that the link is printed for the operator to hand over.
 */
export async function recoverSystemAdminAsOperator(
  ctx: ServiceContext,
  idOrEmail: string,
  input: { method: (typeof IDENTITY_CHECK_METHODS)[number]; checkedAt: Date; reason: string },
): Promise<OperatorRecovery> {
  const record = await findUserForOperator(ctx, idOrEmail);
  const now = ctx.clock();
  const target = actorOf(record, localDate(now));
  const others = (db: ServiceContext['db']) => countActiveSystemAdmins(db, localDate(now), record.user.id);
  requireAllowed(canOperatorRecoverMfa(target, await others(ctx.db)));
  // The same rule as an admin's request from the web: not in the future, at most 7 days ago.
  checkIdentityCheckTime(input.checkedAt, now, 'identity-checked-at');
  const token = randomToken();
  const expiresAt = new Date(now.getTime() + ctx.config.HAVEN_MFA_RECOVERY_HOURS * 3_600_000);
  const { ended, mail } = await ctx.db.transaction(async (tx) => {
    await lockRecoveriesOf(tx, record.user.id);
    const row = await insertMfaRecovery(tx, {
      userId: record.user.id,
      requestedBy: null,
      identityCheckMethod: input.method,
      identityCheckedAt: input.checkedAt,
      reason: input.reason,
      needsConfirmation: false,
      tokenHash: hashToken(token),
      createdAt: now,
      expiresAt,
    });
    // After the insert, so the requests it replaces can name it.
    const superseded = await supersedeOpenRecoveries(tx, record.user.id, now, row.id);
    await appendAuditEntries(
      tx,
      [
        {
          actorId: null,
          agencyId: record.user.agencyId,
          action: 'account.mfa_recovery_requested',
          subjectType: 'user',
          subjectId: record.user.id,
          detail: {
            via: 'cli',
            recoveryId: row.id,
            identityCheckMethod: input.method,
            identityCheckedAt: input.checkedAt.toISOString(),
            reason: input.reason,
            needsConfirmation: false,
            linkSent: false,
            superseded,
          },
        },
      ],
      now,
    );
    const ended = await deleteUserSessions(tx, record.user.id);
    const admins = await recoveryAlertRecipients(tx, record.user);
    const mail = await queueNotices(
      tx,
      [
        { to: { userId: record.user.id }, content: { kind: 'mfa_recovery_started', at: now } },
        ...admins.map((userId) => ({ to: { userId }, content: { kind: 'mfa_recovery_admin_alert' as const, at: now, stage: 'requested' as const } })),
      ],
      now,
    );
    return { ended, mail };
  });
  wakeOutbox(ctx, mail);
  ctx.notifier.sessionsEnded(ended, 'signed_out_everywhere');
  const base = (ctx.config.PUBLIC_URL ?? `http://localhost:${ctx.config.PORT}`).replace(/\/$/, '');
  return { userId: record.user.id, name: record.user.name, email: record.user.email, url: `${base}/#/recover/${token}`, expiresAt: expiresAt.toISOString() };
}
