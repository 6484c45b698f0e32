import { generateAuthenticationOptions } from '@simplewebauthn/server';
import type { AuthenticationResponseJSON, AuthenticatorTransportFuture, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { hashToken } from '../../crypto';
import { appendAuditEntries } from '../audit';
import { ForbiddenError, TooManyRequestsError, UnauthenticatedError, ValidationError } from '../errors';
import { canSignInWithPasskeyAlone } from '../policy';
import type { ServiceContext } from '../shared/context';
import type { AccountGuards } from './account-guards';
import { loadUserRecord } from './accounts.store';
import { CHALLENGE_MS, checkAssertion, type AssertionFailure } from './passkey-checks';
import { findPasskeyByCredentialId, insertChallenge, passkeysOf } from './passkeys.store';
import type { RelyingParty } from './relying-party';
import { actorOf, type SignedIn } from './session-view';
import { activeSessionFor, failAttempt, finishSecondFactor, refuseWhileWaiting, type NewSession } from './sign-in.service';
import { localDate } from '../shared/clock';

const notAccepted = () =>
  new UnauthenticatedError('passkey_not_accepted', 'That passkey was not accepted. Try again, or use the code from your authenticator app.');

async function challengeFor(
  ctx: ServiceContext,
  rp: RelyingParty,
  purpose: 'second_factor' | 'sign_in',
  sessionTokenHash: string | null,
  allow: { id: string; transports: string[] }[],
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    userVerification: 'required',
    timeout: CHALLENGE_MS,
    allowCredentials: allow.map((p) => ({ id: p.id, transports: p.transports as AuthenticatorTransportFuture[] })),
  });
  const now = ctx.clock();
  await insertChallenge(ctx.db, { challengeHash: hashToken(options.challenge), purpose, sessionTokenHash, expiresAt: new Date(now.getTime() + CHALLENGE_MS) });
  return options;
}

function requireSecondFactorStage(signedIn: SignedIn): void {
  if (signedIn.stage !== 'mfa_required') throw new ValidationError('This session is not waiting for a second factor.', [], 'wrong_stage');
}

/** A challenge for the passkeys of the person half-way through signing in (after their password). */
export async function secondFactorOptions(ctx: ServiceContext, signedIn: SignedIn, rp: RelyingParty): Promise<PublicKeyCredentialRequestOptionsJSON> {
  requireSecondFactorStage(signedIn);
  const own = await passkeysOf(ctx.db, signedIn.record.user.id);
  if (own.length === 0) throw new ValidationError('There is no passkey on this account: enter the code from your authenticator app.', [], 'no_passkeys');
  return challengeFor(
    ctx,
    rp,
    'second_factor',
    signedIn.tokenHash,
    own.map((p) => ({ id: p.credentialId, transports: p.transports })),
  );
}

/** A passkey as the second factor, after the password: counted and audited like a code. */
export async function completePasskeySecondFactor(
  ctx: ServiceContext,
  guards: AccountGuards,
  signedIn: SignedIn,
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  address: string,
): Promise<NewSession> {
  requireSecondFactorStage(signedIn);
  const { user } = signedIn.record;
  const email = user.email.toLowerCase();
  await refuseWhileWaiting(guards, email, address);
  const passkey = await findPasskeyByCredentialId(ctx.db, response.id);
  const result = await checkAssertion(
    ctx.db,
    ctx.config,
    rp,
    { purpose: 'second_factor', sessionTokenHash: signedIn.tokenHash, userId: user.id },
    passkey,
    response,
    ctx.clock(),
  );
  if (!result.ok) {
    await failAttempt(ctx, guards, { email, user, action: 'auth.mfa.failed', address, detail: { method: 'passkey', why: result.why } });
    throw notAccepted();
  }
  return finishSecondFactor(ctx, guards, signedIn, address, { method: 'passkey', passkeyId: result.passkey.id });
}

/** A challenge for signing in with a passkey alone; the browser offers the person's Haven passkeys. */
export async function passkeySignInOptions(
  ctx: ServiceContext,
  guards: AccountGuards,
  rp: RelyingParty,
  address: string,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  await throttleSignIns(guards, address);
  return challengeFor(ctx, rp, 'sign_in', null, []);
}

async function throttleSignIns(guards: AccountGuards, address: string): Promise<void> {
  const wait = await guards.attempts.signInFrom(address);
  if (wait > 0) throw new TooManyRequestsError('too_many_attempts', 'Too many sign-in attempts from this address. Wait a minute and try again.', wait);
}

/**
 * Signing in with a passkey alone. The passkey names its account; its answer is checked first,
 * then whether this person may sign in without a password (their agency allows it, they are not
 * a system admin, not suspended). Failures count against the account like a wrong password.
 */
export async function signInWithPasskey(
  ctx: ServiceContext,
  guards: AccountGuards,
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  address: string,
): Promise<NewSession> {
  await throttleSignIns(guards, address);
  const passkey = await findPasskeyByCredentialId(ctx.db, response.id);
  const record = passkey ? await loadUserRecord(ctx.db, passkey.userId) : undefined;
  const email = record?.user.email.toLowerCase();
  if (email) await refuseWhileWaiting(guards, email, address);
  const result = await checkAssertion(ctx.db, ctx.config, rp, { purpose: 'sign_in', sessionTokenHash: null }, record && passkey, response, ctx.clock());
  if (!result.ok || !record || !email) {
    const why: AssertionFailure = result.ok ? 'unknown_passkey' : result.why;
    await failAttempt(ctx, guards, {
      email: email ?? `passkey:${response.id}`,
      user: record?.user,
      action: 'auth.sign_in.failed',
      address,
      detail: { method: 'passkey', why },
    });
    throw new UnauthenticatedError('passkey_not_accepted', 'That passkey was not accepted. Sign in with your email address and password instead.');
  }
  const decision = canSignInWithPasskeyAlone(actorOf(record, localDate(ctx.clock())), record.agency);
  if (!decision.allow) {
    // The passkey was genuine, so this is the account's holder (or whoever holds their
    // authenticator) trying a way in the rules close: recorded for the admins, not counted as a failure.
    await appendAuditEntries(
      ctx.db,
      [
        {
          actorId: record.user.id,
          agencyId: record.user.agencyId,
          action: 'auth.passkey.sign_in_refused',
          subjectType: 'user',
          subjectId: record.user.id,
          detail: { address, passkeyId: result.passkey.id, reason: decision.reason.code },
        },
      ],
      ctx.clock(),
    );
    throw new ForbiddenError(decision.reason.code, decision.reason.message);
  }
  await guards.attempts.succeeded(email, address);
  return activeSessionFor(ctx, record.user, { action: 'auth.passkey.signed_in', detail: { address, passkeyId: result.passkey.id } });
}
