import { hashToken, randomToken } from '../../crypto';
import { appendAuditEntries, type NewAuditEntry } from '../audit';
import { insertAlert } from '../children/alerts.store';
import { TooManyRequestsError, UnauthenticatedError, ValidationError } from '../errors';
import { queueNotices, wakeOutbox } from '../notifications';
import type { ServiceContext } from '../shared/context';
import type { AccountGuards } from './account-guards';
import { findUserByEmail, updateUser, type UserRow } from './accounts.store';
import { NO_ACCOUNT_HASH } from './password-pool';
import { signedInAs, signedInWith, type SignedIn } from './session-view';
import { deleteSession, deleteUserSessions, findLiveSession, insertSession, type SessionStage } from './sessions.store';
import { enrolmentDetails, matchTotpStep, newTotpSecret } from './totp';

const invalidCredentials = () => new UnauthenticatedError('invalid_credentials', 'The email address or password is not right.');

export interface NewSession {
  token: string;
  signedIn: SignedIn;
}

export async function startSession(ctx: ServiceContext, userId: string, stage: SessionStage): Promise<NewSession> {
  const token = randomToken();
  const tokenHash = hashToken(token);
  const now = ctx.clock();
  await insertSession(ctx.db, {
    tokenHash,
    userId,
    stage,
    createdAt: now,
    expiresAt: new Date(now.getTime() + ctx.config.HAVEN_SESSION_HOURS * 3_600_000),
  });
  const signedIn = await signedInAs(ctx, tokenHash, stage, userId);
  if (!signedIn) throw invalidCredentials();
  return { token, signedIn };
}

export async function resolveSession(ctx: ServiceContext, token: string): Promise<SignedIn | null> {
  const tokenHash = hashToken(token);
  const live = await findLiveSession(ctx.db, tokenHash, ctx.clock());
  return live ? signedInWith(ctx, tokenHash, live.session.stage, live.record) : null;
}

const inWords = (seconds: number) => (seconds < 120 ? `${seconds} second${seconds === 1 ? '' : 's'}` : `${Math.ceil(seconds / 60)} minutes`);

/**
 * Refuses an attempt while this e-mail address must wait, from here (after failures from this
 * client address) or from anywhere (locked after failures from many). The answer depends only on
 * what was submitted, so it is the same for an address with no account.
 */
export async function refuseWhileWaiting(guards: AccountGuards, email: string, address: string): Promise<void> {
  const { delay, lock } = await guards.attempts.waits(email, address);
  if (lock > 0) {
    throw new TooManyRequestsError(
      'account_locked',
      `Too many failed attempts to sign in with this email address, from several places. It is locked for ${inWords(lock)}.`,
      lock,
    );
  }
  if (delay > 0) throw new TooManyRequestsError('too_many_attempts', `Too many failed attempts from here. Wait ${inWords(delay)} and try again.`, delay);
}

/**
 * Counts a wrong password or code against what was submitted, and audits it; the failure that
 * locks the address alerts the account's agency admins. An unknown address costs the same writes
 * (the counters and one audit entry, with no account named).
 */
export async function failAttempt(
  ctx: ServiceContext,
  guards: AccountGuards,
  attempt: {
    email: string;
    user: UserRow | undefined;
    action: 'auth.sign_in.failed' | 'auth.mfa.failed' | 'auth.password_confirmation.failed';
    address: string;
    /** What else the audit entry says (how the failed attempt was made). */
    detail?: Record<string, unknown>;
  },
): Promise<void> {
  const { user, address } = attempt;
  const { lockStarted } = await guards.attempts.failed(attempt.email, address);
  const now = ctx.clock();
  const about = { actorId: user?.id ?? null, agencyId: user?.agencyId ?? null, subjectType: 'user', subjectId: user?.id ?? null };
  const entries: NewAuditEntry[] = [{ ...about, action: attempt.action, detail: { address, ...attempt.detail } }];
  if (lockStarted) entries.push({ ...about, action: 'auth.sign_in.locked_out', detail: { minutes: ctx.config.HAVEN_LOCKOUT_MINUTES } });
  await ctx.db.transaction(async (tx) => {
    if (lockStarted && user) await insertAlert(tx, { agencyId: user.agencyId, kind: 'account_locked', actorId: user.id, createdAt: now });
    await appendAuditEntries(tx, entries, now);
  });
}

export async function signIn(ctx: ServiceContext, guards: AccountGuards, input: { email: string; password: string }, address: string): Promise<NewSession> {
  const wait = await guards.attempts.signInFrom(address);
  if (wait > 0) throw new TooManyRequestsError('too_many_attempts', 'Too many sign-in attempts from this address. Wait a minute and try again.', wait);
  const [user] = await Promise.all([findUserByEmail(ctx.db, input.email), refuseWhileWaiting(guards, input.email, address)]);
  // Known address or not, the same work: one Argon2id check, and for a failure the same writes.
  const matches = await guards.passwords.verify(user?.passwordHash ?? NO_ACCOUNT_HASH, input.password);
  if (!user || !matches) {
    await failAttempt(ctx, guards, { email: input.email, user, action: 'auth.sign_in.failed', address });
    throw invalidCredentials();
  }
  const now = ctx.clock();
  const stage: SessionStage = user.totpEnrolledAt ? 'mfa_required' : 'enrolment_required';
  const session = await startSession(ctx, user.id, stage);
  await appendAuditEntries(
    ctx.db,
    [{ actorId: user.id, agencyId: user.agencyId, action: 'auth.sign_in.succeeded', subjectType: 'user', subjectId: user.id, detail: { address, stage } }],
    now,
  );
  return session;
}

/** Second factor for an enrolled user: a fresh session token replaces the half-signed-in one. */
export async function completeMfa(ctx: ServiceContext, guards: AccountGuards, signedIn: SignedIn, code: string, address: string): Promise<NewSession> {
  const { user } = signedIn.record;
  if (signedIn.stage !== 'mfa_required' || !user.totpSecret) {
    throw new ValidationError('This session is not waiting for a two-factor code.', [], 'wrong_stage');
  }
  const email = user.email.toLowerCase();
  await refuseWhileWaiting(guards, email, address);
  const now = ctx.clock();
  const step = matchTotpStep(user.totpSecret, code, now);
  if (step === null || (user.totpLastStep !== null && step <= user.totpLastStep)) {
    await failAttempt(ctx, guards, { email, user, action: 'auth.mfa.failed', address });
    throw new UnauthenticatedError('invalid_code', 'The code is not right, or it has already been used. Enter the current code from your authenticator app.');
  }
  await updateUser(ctx.db, user.id, { totpLastStep: step });
  return finishSecondFactor(ctx, guards, signedIn, address, { method: 'code' });
}

/**
 * The second factor has been checked (a code or a passkey): the half-signed-in session gives way
 * to a fully active one, the failure counters for the address are cleared, and the sign-in is
 * audited and e-mailed to the person.
 */
export async function finishSecondFactor(
  ctx: ServiceContext,
  guards: AccountGuards,
  signedIn: SignedIn,
  address: string,
  how: { method: 'code' } | { method: 'passkey'; passkeyId: string },
): Promise<NewSession> {
  const { user } = signedIn.record;
  await guards.attempts.succeeded(user.email.toLowerCase(), address);
  await deleteSession(ctx.db, signedIn.tokenHash);
  return activeSessionFor(ctx, user, { action: 'auth.mfa.succeeded', detail: { address, ...how } });
}

/**
 * A fully signed-in session. The session is written on its own (as before the outbox); the
 * sign-in's audit entry and its e-mail notice commit together, so the notice exists exactly when
 * the sign-in is recorded.
 */
export async function activeSessionFor(
  ctx: ServiceContext,
  user: UserRow,
  audit: { action: 'auth.mfa.succeeded' | 'auth.passkey.signed_in'; detail: Record<string, unknown> },
): Promise<NewSession> {
  const now = ctx.clock();
  const session = await startSession(ctx, user.id, 'active');
  const mail = await ctx.db.transaction(async (tx) => {
    await appendAuditEntries(
      tx,
      [{ actorId: user.id, agencyId: user.agencyId, action: audit.action, subjectType: 'user', subjectId: user.id, detail: audit.detail }],
      now,
    );
    return queueNotices(tx, [{ to: { userId: user.id }, content: { kind: 'new_sign_in', at: now } }], now);
  });
  wakeOutbox(ctx, mail);
  return session;
}

function requireEnrolmentStage(signedIn: SignedIn): void {
  if (signedIn.stage !== 'enrolment_required') {
    throw new ValidationError('Two-factor sign-in is already set up for this account.', [], 'wrong_stage');
  }
}

export async function startEnrolment(ctx: ServiceContext, signedIn: SignedIn): Promise<{ otpauthUri: string; qrSvg: string; secret: string }> {
  requireEnrolmentStage(signedIn);
  const secret = newTotpSecret();
  await updateUser(ctx.db, signedIn.record.user.id, { totpPendingSecret: secret });
  return enrolmentDetails(secret, signedIn.record.user.email);
}

export async function confirmEnrolment(ctx: ServiceContext, guards: AccountGuards, signedIn: SignedIn, code: string, address: string): Promise<NewSession> {
  requireEnrolmentStage(signedIn);
  const { user } = signedIn.record;
  if (!user.totpPendingSecret) throw new ValidationError('Start two-factor set-up first.', [], 'enrolment_not_started');
  const email = user.email.toLowerCase();
  await refuseWhileWaiting(guards, email, address);
  const now = ctx.clock();
  const step = matchTotpStep(user.totpPendingSecret, code, now);
  if (step === null) {
    await failAttempt(ctx, guards, { email, user, action: 'auth.mfa.failed', address });
    throw new UnauthenticatedError('invalid_code', 'The code is not right. Check the time on your phone and enter the current code.');
  }
  const mail = await ctx.db.transaction(async (tx) => {
    await updateUser(tx, user.id, {
      totpSecret: user.totpPendingSecret,
      totpPendingSecret: null,
      totpEnrolledAt: now,
      totpLastStep: step,
    });
    await appendAuditEntries(
      tx,
      [{ actorId: user.id, agencyId: user.agencyId, action: 'auth.mfa.enrolled', subjectType: 'user', subjectId: user.id, detail: { address } }],
      now,
    );
    // Setting up two-factor completes a first sign-in: it is notified like any other.
    return queueNotices(tx, [{ to: { userId: user.id }, content: { kind: 'new_sign_in', at: now } }], now);
  });
  wakeOutbox(ctx, mail);
  await guards.attempts.succeeded(email, address);
  await deleteSession(ctx.db, signedIn.tokenHash);
  return startSession(ctx, user.id, 'active');
}

export async function signOut(ctx: ServiceContext, signedIn: SignedIn): Promise<void> {
  const { user } = signedIn.record;
  await deleteSession(ctx.db, signedIn.tokenHash);
  await appendAuditEntries(
    ctx.db,
    [{ actorId: user.id, agencyId: user.agencyId, action: 'auth.signed_out', subjectType: 'user', subjectId: user.id }],
    ctx.clock(),
  );
  ctx.notifier.sessionsEnded([signedIn.tokenHash], 'signed_out');
}

export async function signOutEverywhere(ctx: ServiceContext, signedIn: SignedIn): Promise<void> {
  const { user } = signedIn.record;
  const ended = await deleteUserSessions(ctx.db, user.id);
  await appendAuditEntries(
    ctx.db,
    [
      {
        actorId: user.id,
        agencyId: user.agencyId,
        action: 'auth.signed_out_everywhere',
        subjectType: 'user',
        subjectId: user.id,
        detail: { sessionsEnded: ended.length },
      },
    ],
    ctx.clock(),
  );
  ctx.notifier.sessionsEnded(ended, 'signed_out_everywhere');
}
