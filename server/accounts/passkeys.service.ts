import { generateRegistrationOptions, verifyRegistrationResponse } from '@simplewebauthn/server';
import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { hashToken, toBase64Url } from '../../crypto';
import { appendAuditEntries } from '../audit';
import { uniqueOr } from '../db/unique-violation';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { queueNotices, wakeOutbox } from '../notifications';
import { canManageOwnPasskeys, requireAllowed } from '../policy';
import type { ServiceContext } from '../shared/context';
import type { AccountGuards } from './account-guards';
import { bindPasskey, CHALLENGE_MS, userHandleOf } from './passkey-checks';
import type { PasskeyView } from './passkeys.schema';
import { deletePasskey, insertChallenge, insertPasskey, lockPasskeysOf, passkeysOf, takeChallenge, type PasskeyRow } from './passkeys.store';
import type { RelyingParty } from './relying-party';
import type { SignedIn } from './session-view';
import { failAttempt, refuseWhileWaiting } from './sign-in.service';

/** Enough for a person's devices and a spare key; more is more to lose track of. */
export const MAX_PASSKEYS = 10;

/** COSE algorithms accepted: Ed25519, ES256, RS256 (what authenticators in use make). */
const ALGORITHMS = [-8, -7, -257];

export function toPasskeyView(row: PasskeyRow): PasskeyView {
  return { id: row.id, name: row.name, createdAt: row.createdAt.toISOString(), lastUsedAt: row.lastUsedAt?.toISOString() ?? null, backedUp: row.backedUp };
}

export async function listPasskeys(ctx: ServiceContext, signedIn: SignedIn): Promise<PasskeyView[]> {
  requireAllowed(canManageOwnPasskeys(signedIn.actor));
  return (await passkeysOf(ctx.db, signedIn.actor.id)).map(toPasskeyView);
}

/**
 * The first step of adding a passkey: the person's password again (a session left open on a
 * shared computer must not be enough to add a lasting way in), then a challenge for the browser,
 * tied to this session, good for five minutes. A passkey must keep its own sign-in (a
 * discoverable credential) and must check who is using it (user verification).
 */
export async function passkeyRegistrationOptions(
  ctx: ServiceContext,
  guards: AccountGuards,
  signedIn: SignedIn,
  rp: RelyingParty,
  password: string,
  address: string,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  requireAllowed(canManageOwnPasskeys(signedIn.actor));
  const { user } = signedIn.record;
  const email = user.email.toLowerCase();
  await refuseWhileWaiting(guards, email, address);
  if (!(await guards.passwords.verify(user.passwordHash, password))) {
    await failAttempt(ctx, guards, { email, user, action: 'auth.password_confirmation.failed', address });
    // 400, not 401: the session is fine, only this form's answer is wrong.
    throw new ValidationError('The password is not right.', [{ path: 'password', message: 'The password is not right' }], 'invalid_password');
  }
  const existing = await passkeysOf(ctx.db, user.id);
  if (existing.length >= MAX_PASSKEYS) throw tooManyPasskeys();
  const options = await generateRegistrationOptions({
    rpName: 'Haven',
    rpID: rp.id,
    userName: user.email,
    userDisplayName: user.name,
    userID: userHandleOf(user.id),
    attestationType: 'none',
    timeout: CHALLENGE_MS,
    excludeCredentials: existing.map((p) => ({ id: p.credentialId })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    supportedAlgorithmIDs: ALGORITHMS,
  });
  const now = ctx.clock();
  await insertChallenge(ctx.db, {
    challengeHash: hashToken(options.challenge),
    purpose: 'register',
    sessionTokenHash: signedIn.tokenHash,
    expiresAt: new Date(now.getTime() + CHALLENGE_MS),
  });
  return options;
}

const tooManyPasskeys = () => new ValidationError(`You already have ${MAX_PASSKEYS} passkeys. Remove one you no longer use first.`, [], 'too_many_passkeys');

/**
 * The second step: the browser's new credential, checked against the challenge (used up here,
 * whatever the outcome), this origin and RP ID, with the user verified. It is stored bound to the
 * account by the installation key, audited, and the person is e-mailed (a passkey added by
 * someone else is a way in they should hear about).
 */
export async function registerPasskey(
  ctx: ServiceContext,
  signedIn: SignedIn,
  rp: RelyingParty,
  input: { name: string; response: RegistrationResponseJSON },
): Promise<PasskeyView> {
  requireAllowed(canManageOwnPasskeys(signedIn.actor));
  const { user } = signedIn.record;
  const now = ctx.clock();
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: (challenge) => takeChallenge(ctx.db, hashToken(challenge), 'register', signedIn.tokenHash, now),
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    });
  } catch {
    verified = null;
  }
  if (!verified?.verified) {
    throw new ValidationError('The passkey could not be added: start again, and confirm it on your device when asked.', [], 'passkey_not_accepted');
  }
  const { credential, credentialBackedUp } = verified.registrationInfo;
  const publicKey = toBase64Url(credential.publicKey);
  const row = await ctx.db.transaction(async (tx) => {
    // Counted again here: the options step counted before any of several registrations it allowed.
    await lockPasskeysOf(tx, user.id);
    if ((await passkeysOf(tx, user.id)).length >= MAX_PASSKEYS) throw tooManyPasskeys();
    const inserted = await uniqueOr(
      insertPasskey(tx, {
        userId: user.id,
        credentialId: credential.id,
        publicKey,
        counter: credential.counter,
        transports: credential.transports ?? [],
        name: input.name,
        backedUp: credentialBackedUp,
        binding: bindPasskey(ctx.config, { userId: user.id, credentialId: credential.id, publicKey }),
        createdAt: now,
      }),
      () => new ConflictError('passkey_exists', 'This passkey is already registered.'),
    );
    await appendAuditEntries(
      tx,
      [
        {
          actorId: user.id,
          agencyId: user.agencyId,
          action: 'auth.passkey.registered',
          subjectType: 'user',
          subjectId: user.id,
          detail: { passkeyId: inserted.id, name: input.name },
        },
      ],
      now,
    );
    const mail = await queueNotices(tx, [{ to: { userId: user.id }, content: { kind: 'passkey_added', at: now } }], now);
    return { inserted, mail };
  });
  wakeOutbox(ctx, row.mail);
  return toPasskeyView(row.inserted);
}

export async function removePasskey(ctx: ServiceContext, signedIn: SignedIn, passkeyId: string): Promise<void> {
  requireAllowed(canManageOwnPasskeys(signedIn.actor));
  const { user } = signedIn.record;
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    const removed = await deletePasskey(tx, user.id, passkeyId);
    // Someone else's passkey answers the same as none: ids are not a way to learn about others.
    if (!removed) throw new NotFoundError('passkey_not_found', 'There is no such passkey on your account.');
    await appendAuditEntries(
      tx,
      [
        {
          actorId: user.id,
          agencyId: user.agencyId,
          action: 'auth.passkey.removed',
          subjectType: 'user',
          subjectId: user.id,
          detail: { passkeyId, name: removed.name },
        },
      ],
      now,
    );
  });
}
