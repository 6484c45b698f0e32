import { hashToken, randomToken } from '../../crypto';
import { appendAuditEntries } from '../audit';
import { NotFoundError, TooManyRequestsError, UnauthenticatedError } from '../errors';
import { queueNotices, wakeOutbox } from '../notifications';
import { inviteToken } from '../notifications/mail-content';
import type { ServiceContext } from '../shared/context';
import type { AccountGuards } from './account-guards';
import { findUserByEmail, updateUser } from './accounts.store';
import { consumeResets, findUsableReset, insertPasswordReset } from './password-reset.store';
import { deleteUserSessions, hitThrottles } from './sessions.store';
import { matchTotpStep } from './totp';
import { failAttempt, refuseWhileWaiting } from './sign-in.service';

// Self-service password reset (docs/sign-in.md): a single-use, time-limited link by e-mail, and
// the second factor still needed to use it. The answer to a request is the same whether or not
// the address has an account; a reset ends every session of the account.

/** Links e-mailed to one address per hour at most; more requests are answered the same and send nothing. */
const RESETS_PER_ADDRESS_PER_HOUR = 3;

const linkInvalid = () =>
  new NotFoundError('reset_link_invalid', 'This password reset link has expired or has already been used. Ask for a new one from the sign-in page.');

/**
 * Asks for a reset link. Known address or not, the same work is done (the client address's
 * budget, the address's budget, one audit entry) and the same answer given; a link is made and
 * e-mailed only to an account that can sign in with a second factor and is not suspended.
 */
export async function requestPasswordReset(ctx: ServiceContext, guards: AccountGuards, email: string, address: string): Promise<void> {
  // The client address's sign-in budget: one client cannot ask for links for address after address.
  const wait = await guards.attempts.signInFrom(address);
  if (wait > 0) throw new TooManyRequestsError('too_many_attempts', 'Too many requests from this address. Wait a minute and try again.', wait);
  await refuseWhileWaiting(guards, email, address);
  const now = ctx.clock();
  const [user, [budget]] = await Promise.all([findUserByEmail(ctx.db, email), hitThrottles(ctx.db, [`reset:email:${email}`], now, 3_600_000)]);
  const eligible = user && !user.suspendedAt && user.totpEnrolledAt !== null && (budget?.count ?? 0) <= RESETS_PER_ADDRESS_PER_HOUR;
  const mail = await ctx.db.transaction(async (tx) => {
    await appendAuditEntries(
      tx,
      [
        {
          actorId: user?.id ?? null,
          agencyId: user?.agencyId ?? null,
          action: 'auth.password_reset_requested',
          subjectType: 'user',
          subjectId: user?.id ?? null,
          detail: { address, sent: Boolean(eligible) },
        },
      ],
      now,
    );
    if (!eligible) return [];
    const token = randomToken();
    const expiresAt = new Date(now.getTime() + ctx.config.HAVEN_PASSWORD_RESET_MINUTES * 60_000);
    await insertPasswordReset(tx, { userId: user.id, tokenHash: hashToken(token), createdAt: now, expiresAt });
    return queueNotices(tx, [{ to: { userId: user.id }, content: { kind: 'password_reset', token: inviteToken(token), expiresAt } }], now);
  });
  wakeOutbox(ctx, mail);
}

/** What the reset page shows before the form: only when the link runs out (nothing about the account). */
export async function describePasswordReset(ctx: ServiceContext, token: string): Promise<{ expiresAt: string }> {
  const found = await findUsableReset(ctx.db, hashToken(token), ctx.clock());
  if (!found) throw linkInvalid();
  return { expiresAt: found.reset.expiresAt.toISOString() };
}

/**
 * Sets a new password with the link and the current code from the authenticator app. A wrong code
 * counts against the account like a wrong sign-in code, and leaves the link usable until it
 * expires; the right one uses the link (once, even when raced), ends every session and tells the
 * person by e-mail.
 */
export async function completePasswordReset(
  ctx: ServiceContext,
  guards: AccountGuards,
  token: string,
  input: { password: string; code: string },
  address: string,
): Promise<void> {
  const now = ctx.clock();
  const found = await findUsableReset(ctx.db, hashToken(token), now);
  if (!found) throw linkInvalid();
  const { reset, user } = found;
  const email = user.email.toLowerCase();
  await refuseWhileWaiting(guards, email, address);
  const step = user.totpSecret ? matchTotpStep(user.totpSecret, input.code, now) : null;
  if (step === null || (user.totpLastStep !== null && step <= user.totpLastStep)) {
    await failAttempt(ctx, guards, { email, user, action: 'auth.mfa.failed', address });
    throw new UnauthenticatedError('invalid_code', 'The code is not right, or it has already been used. Enter the current code from your authenticator app.');
  }
  const passwordHash = await guards.passwords.hash(input.password);
  const outcome = await ctx.db.transaction(async (tx) => {
    if (!(await consumeResets(tx, reset.id, user.id, now))) return null;
    await updateUser(tx, user.id, { passwordHash, totpLastStep: step });
    const ended = await deleteUserSessions(tx, user.id);
    await appendAuditEntries(
      tx,
      [
        {
          actorId: user.id,
          agencyId: user.agencyId,
          action: 'auth.password_reset',
          subjectType: 'user',
          subjectId: user.id,
          detail: { address, sessionsEnded: ended.length },
        },
      ],
      now,
    );
    const mail = await queueNotices(tx, [{ to: { userId: user.id }, content: { kind: 'password_changed', at: now } }], now);
    return { ended, mail };
  });
  if (!outcome) throw linkInvalid();
  await guards.attempts.succeeded(email, address);
  wakeOutbox(ctx, outcome.mail);
  ctx.notifier.sessionsEnded(outcome.ended, 'signed_out_everywhere');
}
