// The browser's half of passkeys (WebAuthn) through @simplewebauthn/browser: the server makes
// every challenge and checks every answer (docs/sign-in.md); this only carries them.
import { browserSupportsWebAuthn, startAuthentication, startRegistration } from '@simplewebauthn/browser';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { ApiError, passkeys } from './api';
import type { PasskeyView } from '../../../server/accounts/passkeys.schema';

export function passkeysSupported(): boolean {
  return browserSupportsWebAuthn();
}

/** What the browser's own refusals mean to the person (cancelled, timed out, already registered). */
function browserRefusal(error: unknown): ApiError {
  const name = error instanceof Error ? error.name : '';
  if (name === 'InvalidStateError') {
    return new ApiError(0, 'passkey_exists', 'This device already has a passkey for your Haven account.');
  }
  return new ApiError(0, 'passkey_cancelled', 'The passkey was not used: it was cancelled, or took too long. Try again.');
}

async function create(optionsJSON: PublicKeyCredentialCreationOptionsJSON) {
  try {
    return await startRegistration({ optionsJSON });
  } catch (error) {
    throw browserRefusal(error);
  }
}

async function get(optionsJSON: PublicKeyCredentialRequestOptionsJSON) {
  try {
    return await startAuthentication({ optionsJSON });
  } catch (error) {
    throw browserRefusal(error);
  }
}

/** Adds a passkey: the password again (the server checks it before any challenge), then the device. */
export async function addPasskey(name: string, password: string): Promise<PasskeyView> {
  const { options } = await passkeys.registrationOptions(password);
  return (await passkeys.register(name, await create(options))).passkey;
}

export async function passkeyAsSecondFactor() {
  const { options } = await passkeys.secondFactorOptions();
  return passkeys.completeSecondFactor(await get(options));
}

export async function passkeyAlone() {
  const { options } = await passkeys.signInOptions();
  return passkeys.signIn(await get(options));
}
