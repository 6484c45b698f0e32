import {
  mfaRecoveryBody,
  ownRecoveryCancelBody,
  recoveryCancelBody,
  recoveryCompleteBody,
  recoveryPasswordBody,
  recoveryTokenParam,
} from '../../accounts/mfa-recovery.schema';
import { created, json, type ApiOperation } from '../api-operation';
import { uuidParam } from '../../shared/schemas';

/** Recovery of a lost second factor, assisted by an admin (docs/sign-in.md). */
export const mfaRecoveryOperations: ApiOperation[] = [
  {
    method: 'post',
    path: '/users/:id/mfa-recovery',
    tag: 'Users',
    summary:
      'Start the recovery of a user’s lost second factor after checking who they are (an admin of their agency, or a system admin; never oneself). For a designated officer or an admin a different admin must confirm',
    params: { id: uuidParam },
    body: mfaRecoveryBody,
    ok: created('`{ recovery }` with `status` `link_sent` (e-mailed, every session ended) or `awaiting_confirmation`.'),
  },
  {
    method: 'get',
    path: '/mfa-recoveries',
    tag: 'Users',
    summary: 'Recoveries of the last 30 days that this admin may see (their agency’s; all for a system admin); looking is audited',
    ok: json('`{ recoveries }`.'),
  },
  {
    method: 'post',
    path: '/mfa-recoveries/:id/confirm',
    tag: 'Users',
    summary: 'Confirm a recovery started by another admin (the two-person rule); the link is e-mailed and every session of the user ends',
    params: { id: uuidParam },
    ok: json('`{ recovery }`; 403 `same_admin` for the admin who started it; 409 `recovery_not_awaiting_confirmation`.'),
  },
  {
    method: 'post',
    path: '/mfa-recoveries/:id/cancel',
    tag: 'Users',
    summary:
      'Cancel an open recovery (any admin who could start it, even for a suspended account): its link stops working; the person and the other admins are told',
    params: { id: uuidParam },
    body: recoveryCancelBody,
    ok: json('`{ recovery }` with `status` `cancelled`; 409 `recovery_not_open` once used, replaced, cancelled or expired.'),
  },
  {
    method: 'get',
    path: '/me/mfa-recovery',
    tag: 'Sign-in',
    summary: 'The open recovery of my own sign-in, if any: who started it, the identity check they recorded, where it stands, and whether I may cancel it',
    ok: json(
      '`{ recovery }`: null, or `{ id, status: awaiting_confirmation | link_sent, requestedByName, identityCheckMethod, identityCheckedAt, createdAt, expiresAt, cancellable }`.',
    ),
  },
  {
    method: 'post',
    path: '/me/mfa-recovery/cancel',
    tag: 'Sign-in',
    summary:
      'Cancel the open recovery of my own sign-in, signed in with my current second factor (`not_requested`: I never asked, and the admins are warned; `no_longer_needed`); its link stops working',
    body: ownRecoveryCancelBody,
    ok: json('`{ cancelled: true }`; 403 `mfa_not_enrolled`; 404 `no_open_recovery` (none, or a concurrent cancel got there first).'),
  },
  {
    method: 'get',
    path: '/auth/mfa-recovery/:token',
    tag: 'Sign-in',
    summary: 'Whether a recovery link can still be used, and until when',
    access: 'public',
    params: { token: recoveryTokenParam },
    ok: json('`{ expiresAt }`; 404 `recovery_link_invalid`.'),
  },
  {
    method: 'post',
    path: '/auth/mfa-recovery/:token/enrolment',
    tag: 'Sign-in',
    summary: 'With the link and the password: a new authenticator secret to set up (the old one works until the link is used)',
    access: 'public',
    params: { token: recoveryTokenParam },
    body: recoveryPasswordBody,
    ok: json('`{ otpauthUri, qrSvg, secret }`; 401 `invalid_credentials`; 404 `recovery_link_invalid`.'),
  },
  {
    method: 'post',
    path: '/auth/mfa-recovery/:token',
    tag: 'Sign-in',
    summary: 'Use the link: the password and a code from the new authenticator replace the old one, end every session, and sign in',
    access: 'public',
    params: { token: recoveryTokenParam },
    body: recoveryCompleteBody,
    ok: json('`{ csrfToken, session }`; 401 `invalid_credentials` / `invalid_code`; 404 `recovery_link_invalid`.'),
  },
];
