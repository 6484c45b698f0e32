import { hashToken } from '../../crypto';
import { appendAuditEntries } from '../audit';
import { NotFoundError, UnauthenticatedError, ValidationError } from '../errors';
import { queueNotices, wakeOutbox } from '../notifications';
import type { ServiceContext } from '../shared/context';
import type { AccountGuards } from './account-guards';
import { updateUser } from './accounts.store';
import { adminAlerts } from './mfa-recovery-alerts';
import { consumeRecovery, findUsableRecovery } from './mfa-recovery.store';
import { deleteUserPasskeys } from './passkeys.store';
import { deleteUserSessions } from './sessions.store';
import { failAttempt, refuseWhileWaiting, startSession, type NewSession } from './sign-in.service';
import { enrolmentDetails, matchTotpStep, newTotpSecret } from './totp';

// The person's side of a second-factor recovery (docs/sign-in.md): the e-mailed link, their
// password, and a new authenticator whose first code uses the link. The account is never without a
// second factor: the new one replaces the old in the transaction that uses the link.

const linkInvalid = () =>
  new NotFoundError(
    'recovery_link_invalid',
    'This recovery link has expired, was cancelled or replaced by a newer one, or has already been used. Ask your agency admin.',
  );

/** What the link's page shows before the form: only when the link runs out. */
export async function describeMfaRecovery(ctx: ServiceContext, token: string): Promise<{ expiresAt: string }> {
  const found = await findUsableRecovery(ctx.db, hashToken(token), ctx.clock());
  if (!found) throw linkInvalid();
  return { expiresAt: found.recovery.expiresAt.toISOString() };
}

/** The link and the password, both needed for every step; a wrong password counts like a wrong sign-in. */
async function checkLinkAndPassword(ctx: ServiceContext, guards: AccountGuards, token: string, password: string, address: string) {
  const found = await findUsableRecovery(ctx.db, hashToken(token), ctx.clock());
  if (!found) throw linkInvalid();
  const email = found.user.email.toLowerCase();
  await refuseWhileWaiting(guards, email, address);
  if (!(await guards.passwords.verify(found.user.passwordHash, password))) {
    await failAttempt(ctx, guards, { email, user: found.user, action: 'auth.sign_in.failed', address });
    throw new UnauthenticatedError('invalid_credentials', 'The password is not right.');
  }
  return { ...found, email };
}

/** Starts setting up the new authenticator: a fresh secret, shown once; the old one still works until the link is used. */
export async function startRecoveryEnrolment(
  ctx: ServiceContext,
  guards: AccountGuards,
  token: string,
  password: string,
  address: string,
): Promise<{ otpauthUri: string; qrSvg: string; secret: string }> {
  const { user } = await checkLinkAndPassword(ctx, guards, token, password, address);
  const secret = newTotpSecret();
  await updateUser(ctx.db, user.id, { totpPendingSecret: secret });
  return enrolmentDetails(secret, user.email);
}

/**
 * Uses the link: the password and a code from the new authenticator. In one transaction the link
 * is used (once, even when raced), the new authenticator replaces the old, every session ends, the
 * person and their agency's other admins are told, and it is audited; the person is signed in.
 */
export async function completeMfaRecovery(
  ctx: ServiceContext,
  guards: AccountGuards,
  token: string,
  input: { password: string; code: string },
  address: string,
): Promise<NewSession> {
  const { recovery, user, email } = await checkLinkAndPassword(ctx, guards, token, input.password, address);
  if (!user.totpPendingSecret) throw new ValidationError('Start setting up your authenticator app first.', [], 'enrolment_not_started');
  const now = ctx.clock();
  const step = matchTotpStep(user.totpPendingSecret, input.code, now);
  if (step === null) {
    await failAttempt(ctx, guards, { email, user, action: 'auth.mfa.failed', address });
    throw new UnauthenticatedError('invalid_code', 'The code is not right. Check the time on your phone and enter the current code.');
  }
  const outcome = await ctx.db.transaction(async (tx) => {
    if (!(await consumeRecovery(tx, recovery.id, now))) return null;
    await updateUser(tx, user.id, { totpSecret: user.totpPendingSecret, totpPendingSecret: null, totpEnrolledAt: now, totpLastStep: step });
    const ended = await deleteUserSessions(tx, user.id);
    // A passkey on the lost device is a second factor too: the new authenticator replaces them all,
    // and the person adds their passkeys again from the account page.
    const passkeysRemoved = await deleteUserPasskeys(tx, user.id);
    await appendAuditEntries(
      tx,
      [
        {
          actorId: user.id,
          agencyId: user.agencyId,
          action: 'auth.mfa_recovered',
          subjectType: 'user',
          subjectId: user.id,
          detail: {
            recoveryId: recovery.id,
            requestedBy: recovery.requestedBy,
            confirmedBy: recovery.confirmedBy,
            address,
            sessionsEnded: ended.length,
            passkeysRemoved,
          },
        },
      ],
      now,
    );
    const alerts = await adminAlerts(tx, user, [], { kind: 'mfa_recovery_admin_alert', at: now, stage: 'completed' });
    const mail = await queueNotices(tx, [{ to: { userId: user.id }, content: { kind: 'mfa_recovered', at: now } }, ...alerts], now);
    return { ended, mail };
  });
  if (!outcome) throw linkInvalid();
  await guards.attempts.succeeded(email, address);
  wakeOutbox(ctx, outcome.mail);
  ctx.notifier.sessionsEnded(outcome.ended, 'signed_out_everywhere');
  return startSession(ctx, user.id, 'active');
}
