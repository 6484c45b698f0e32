import { passkeyAssertionBody, passkeyOptionsBody, registerPasskeyBody } from '../../accounts/passkeys.schema';
import { type ApiOperation, byId, created, json, noContent } from '../api-operation';

const signedInAnswer = json(
  '`{ csrfToken, session }` at stage `active`; sets the session cookie. 401 `passkey_not_accepted` (counted like a wrong code); 400 `origin_required` when no web origin can be told.',
);

/** The routes in server/accounts/passkeys.routes.ts (docs/sign-in.md). */
export const passkeyOperations: ApiOperation[] = [
  {
    method: 'get',
    path: '/me/passkeys',
    tag: 'Sign-in',
    summary: 'My passkeys',
    ok: json('`{ passkeys: [{ id, name, createdAt, lastUsedAt, backedUp }] }`.'),
  },
  {
    method: 'post',
    path: '/me/passkeys/options',
    tag: 'Sign-in',
    summary: 'Start adding a passkey: my password again, then a challenge for the browser (five minutes, this session only)',
    body: passkeyOptionsBody,
    ok: json('`{ options }` for `navigator.credentials.create()` (WebAuthn JSON). 400 `invalid_password` (counted like a wrong password).'),
  },
  {
    method: 'post',
    path: '/me/passkeys',
    tag: 'Sign-in',
    summary: 'Finish adding a passkey with the browser’s answer (audited; the person is e-mailed)',
    body: registerPasskeyBody,
    ok: created('`{ passkey }`. 400 `passkey_not_accepted`; 409 `passkey_exists`.'),
  },
  { method: 'delete', path: '/me/passkeys/:id', tag: 'Sign-in', summary: 'Remove one of my passkeys (audited)', params: byId, ok: noContent('Removed.') },
  {
    method: 'post',
    path: '/auth/passkey/options',
    tag: 'Sign-in',
    summary: 'A challenge for my passkeys as the second factor, after the password',
    access: 'mfa_required',
    ok: json('`{ options }` for `navigator.credentials.get()`. 400 `no_passkeys`.'),
  },
  {
    method: 'post',
    path: '/auth/passkey',
    tag: 'Sign-in',
    summary: 'Finish signing in with a passkey instead of the code',
    access: 'mfa_required',
    body: passkeyAssertionBody,
    ok: signedInAnswer,
  },
  {
    method: 'post',
    path: '/auth/passkey-sign-in/options',
    tag: 'Sign-in',
    summary: 'A challenge for signing in with a passkey alone',
    access: 'public',
    ok: json('`{ options }` for `navigator.credentials.get()` (any of the person’s Haven passkeys). 429 `too_many_attempts`.'),
  },
  {
    method: 'post',
    path: '/auth/passkey-sign-in',
    tag: 'Sign-in',
    summary: 'Sign in with a passkey alone, where the person’s agency allows it (never system admins)',
    access: 'public',
    body: passkeyAssertionBody,
    ok: json(
      '`{ csrfToken, session }` at stage `active`. 401 `passkey_not_accepted`; 403 `password_required` (the agency asks for the password as well, or a system admin), `actor_suspended`, `enrolment_required`.',
    ),
  },
];
