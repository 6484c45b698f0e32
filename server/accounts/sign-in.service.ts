import { hashPassword, hashToken, randomToken, verifyPassword } from '../../crypto';
import { appendAuditEntries } from '../audit';
import { TooManyRequestsError, UnauthenticatedError, ValidationError } from '../errors';
import type { ServiceContext } from '../shared/context';
import { findUserByEmail, recordFailedSignIn, updateUser, type UserRow } from './accounts.store';
import { signedInAs, signedInWith, type SignedIn } from './session-view';
import { deleteSession, deleteUserSessions, findLiveSession, hitThrottle, insertSession, type SessionStage } from './sessions.store';
import { enrolmentDetails, matchTotpStep, newTotpSecret } from './totp';

let dummyHash: string | undefined;
/** Unknown e-mail addresses cost the same Argon2id work as known ones, so timing does not reveal accounts. */
function burnPasswordCheck(password: string): void {
  dummyHash ??= hashPassword('haven-dummy-password-for-timing');
  verifyPassword(dummyHash, password);
}

const invalidCredentials = () => new UnauthenticatedError('invalid_credentials', 'The email address or password is not right.');

export interface NewSession {
  token: string;
  signedIn: SignedIn;
}

async function startSession(ctx: ServiceContext, userId: string, stage: SessionStage): Promise<NewSession> {
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

function lockedError(until: Date, now: Date): TooManyRequestsError {
  const seconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  return new TooManyRequestsError('account_locked', `Too many failed attempts. This account is locked for ${Math.ceil(seconds / 60)} minute(s).`, seconds);
}

async function throttleAddress(ctx: ServiceContext, address: string): Promise<void> {
  const now = ctx.clock();
  const { count, resetAt } = await hitThrottle(ctx.db, `sign-in:${address}`, now, 60_000);
  if (count > ctx.config.HAVEN_SIGNIN_PER_ADDRESS_PER_MINUTE) {
    const seconds = Math.max(1, Math.ceil((resetAt.getTime() - now.getTime()) / 1000));
    throw new TooManyRequestsError('too_many_attempts', 'Too many sign-in attempts from this address. Wait a minute and try again.', seconds);
  }
}

/** Counts a wrong password or code against the account; audits it, and the lockout when it starts. */
async function failAttempt(ctx: ServiceContext, user: UserRow, action: 'auth.sign_in.failed' | 'auth.mfa.failed', address: string): Promise<void> {
  const now = ctx.clock();
  const lockUntil = new Date(now.getTime() + ctx.config.HAVEN_LOCKOUT_MINUTES * 60_000);
  await ctx.db.transaction(async (tx) => {
    const locked = await recordFailedSignIn(tx, user.id, ctx.config.HAVEN_LOCKOUT_THRESHOLD, lockUntil);
    const entries = [{ actorId: user.id, agencyId: user.agencyId, action, subjectType: 'user', subjectId: user.id, detail: { address } }] as const;
    await appendAuditEntries(
      tx,
      locked
        ? [
            ...entries,
            {
              actorId: user.id,
              agencyId: user.agencyId,
              action: 'auth.sign_in.locked_out' as const,
              subjectType: 'user',
              subjectId: user.id,
              detail: { until: locked.toISOString() },
            },
          ]
        : [...entries],
      now,
    );
  });
}

export async function signIn(ctx: ServiceContext, input: { email: string; password: string }, address: string): Promise<NewSession> {
  await throttleAddress(ctx, address);
  const now = ctx.clock();
  const user = await findUserByEmail(ctx.db, input.email);
  if (!user) {
    burnPasswordCheck(input.password);
    throw invalidCredentials();
  }
  if (user.lockedUntil && user.lockedUntil > now) throw lockedError(user.lockedUntil, now);
  if (!verifyPassword(user.passwordHash, input.password)) {
    await failAttempt(ctx, user, 'auth.sign_in.failed', address);
    throw invalidCredentials();
  }
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
export async function completeMfa(ctx: ServiceContext, signedIn: SignedIn, code: string, address: string): Promise<NewSession> {
  const { user } = signedIn.record;
  if (signedIn.stage !== 'mfa_required' || !user.totpSecret) {
    throw new ValidationError('This session is not waiting for a two-factor code.', [], 'wrong_stage');
  }
  const now = ctx.clock();
  if (user.lockedUntil && user.lockedUntil > now) throw lockedError(user.lockedUntil, now);
  const step = matchTotpStep(user.totpSecret, code, now);
  if (step === null || (user.totpLastStep !== null && step <= user.totpLastStep)) {
    await failAttempt(ctx, user, 'auth.mfa.failed', address);
    throw new UnauthenticatedError('invalid_code', 'The code is not right, or it has already been used. Enter the current code from your authenticator app.');
  }
  await updateUser(ctx.db, user.id, { totpLastStep: step, failedSignIns: 0, lockedUntil: null });
  await deleteSession(ctx.db, signedIn.tokenHash);
  const session = await startSession(ctx, user.id, 'active');
  await appendAuditEntries(
    ctx.db,
    [{ actorId: user.id, agencyId: user.agencyId, action: 'auth.mfa.succeeded', subjectType: 'user', subjectId: user.id, detail: { address } }],
    now,
  );
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

export async function confirmEnrolment(ctx: ServiceContext, signedIn: SignedIn, code: string, address: string): Promise<NewSession> {
  requireEnrolmentStage(signedIn);
  const { user } = signedIn.record;
  if (!user.totpPendingSecret) throw new ValidationError('Start two-factor set-up first.', [], 'enrolment_not_started');
  const now = ctx.clock();
  const step = matchTotpStep(user.totpPendingSecret, code, now);
  if (step === null) {
    await failAttempt(ctx, user, 'auth.mfa.failed', address);
    throw new UnauthenticatedError('invalid_code', 'The code is not right. Check the time on your phone and enter the current code.');
  }
  await ctx.db.transaction(async (tx) => {
    await updateUser(tx, user.id, {
      totpSecret: user.totpPendingSecret,
      totpPendingSecret: null,
      totpEnrolledAt: now,
      totpLastStep: step,
      failedSignIns: 0,
      lockedUntil: null,
    });
    await appendAuditEntries(
      tx,
      [{ actorId: user.id, agencyId: user.agencyId, action: 'auth.mfa.enrolled', subjectType: 'user', subjectId: user.id, detail: { address } }],
      now,
    );
  });
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
