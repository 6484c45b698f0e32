import { verifyAuthenticationResponse } from '@simplewebauthn/server';
import type { AuthenticationResponseJSON, AuthenticatorTransportFuture } from '@simplewebauthn/server';
import { fromBase64Url, hashToken, passkeyBinding, passkeyBindingHolds, type PasskeyFacts } from '../../crypto';
import type { Config } from '../config';
import type { Database } from '../db';
import { keySource, loadInstallationKeys, MissingInstallationKeyError } from '../installation-keys';
import { recordPasskeyUse, takeChallenge, type ChallengePurpose, type PasskeyRow } from './passkeys.store';
import type { RelyingParty } from './relying-party';

/** How long a browser has to answer a passkey challenge. */
export const CHALLENGE_MS = 5 * 60_000;

const bindingKeys = new WeakMap<Config, Uint8Array>();

/** The key of passkey bindings, derived from the installation key: never in the database. */
function bindingKey(config: Config): Uint8Array {
  let key = bindingKeys.get(config);
  if (!key) {
    const keys = loadInstallationKeys(config);
    if (!keys) throw new MissingInstallationKeyError(`no installation key (${keySource(config)}): passkeys cannot be checked without it`);
    key = keys.key('passkey-binding');
    bindingKeys.set(config, key);
  }
  return key;
}

export function bindPasskey(config: Config, facts: PasskeyFacts): string {
  return passkeyBinding(bindingKey(config), facts);
}

/** The user handle passkeys carry for a Haven account: its id's 16 bytes (no name, no address). */
export function userHandleOf(userId: string): Uint8Array<ArrayBuffer> {
  const hex = userId.replace(/-/g, '');
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** Why a passkey's answer was refused (for the audit trail; the person is told one plain thing). */
export type AssertionFailure = 'unknown_passkey' | 'binding_broken' | 'wrong_account' | 'challenge' | 'signature' | 'replayed';

export type AssertionResult = { ok: true; passkey: PasskeyRow } | { ok: false; why: AssertionFailure };

/**
 * Checks a passkey's answer to a challenge: the challenge was issued here for this purpose (and
 * session) and is used up now, whatever follows; the stored passkey is bound to its account by
 * the installation key; the signature is good over this origin and RP ID with the user verified;
 * the signature counter moved on (a cloned authenticator, or a replay, is refused); and of
 * concurrent uses of one answer only one is accepted.
 */
export async function checkAssertion(
  db: Database,
  config: Config,
  rp: RelyingParty,
  expected: { purpose: ChallengePurpose; sessionTokenHash: string | null; userId?: string },
  passkey: PasskeyRow | undefined,
  response: AuthenticationResponseJSON,
  now: Date,
): Promise<AssertionResult> {
  let challengeTaken = false;
  const takeOnce = async (challenge: string) => {
    challengeTaken = true;
    return takeChallenge(db, hashToken(challenge), expected.purpose, expected.sessionTokenHash, now);
  };
  const refuse = async (why: AssertionFailure): Promise<AssertionResult> => {
    // Used up even when the passkey is refused before its signature is looked at.
    if (!challengeTaken) await takeOnce(challengeOf(response)).catch(() => false);
    return { ok: false, why };
  };
  if (!passkey) return refuse('unknown_passkey');
  if (expected.userId !== undefined && passkey.userId !== expected.userId) return refuse('wrong_account');
  if (!passkeyBindingHolds(bindingKey(config), { userId: passkey.userId, credentialId: passkey.credentialId, publicKey: passkey.publicKey }, passkey.binding)) {
    return refuse('binding_broken');
  }
  const handle = response.response.userHandle;
  if (handle !== undefined && handle !== toB64(userHandleOf(passkey.userId))) return refuse('wrong_account');
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: takeOnce,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      credential: {
        id: passkey.credentialId,
        publicKey: new Uint8Array(fromBase64Url(passkey.publicKey, 'stored passkey')),
        counter: passkey.counter,
        transports: passkey.transports as AuthenticatorTransportFuture[],
      },
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    return refuse(/counter/i.test(message) ? 'replayed' : /challenge/i.test(message) ? 'challenge' : 'signature');
  }
  if (!verified.verified) return refuse('signature');
  const { newCounter } = verified.authenticationInfo;
  if (!(await recordPasskeyUse(db, passkey.id, passkey.counter, newCounter, now))) return refuse('replayed');
  return { ok: true, passkey };
}

function toB64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** The challenge a response answers, read from its client data (empty if unreadable: nothing matches it). */
function challengeOf(response: AuthenticationResponseJSON): string {
  try {
    const data: unknown = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8'));
    return typeof data === 'object' && data !== null && 'challenge' in data && typeof data.challenge === 'string' ? data.challenge : '';
  } catch {
    return '';
  }
}
