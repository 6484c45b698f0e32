import { hashPassword, randomToken } from '../../crypto';
import { appendAuditEntries } from '../audit';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { canOperatorCreateSystemAdmin, canOperatorSuspend, requireAllowed } from '../policy';
import { queueNotices, wakeOutbox } from '../notifications';
import { localDate } from '../shared/clock';
import { deleteUserSessions } from './sessions.store';
import type { ServiceContext } from '../shared/context';
import {
  countActiveSystemAdmins,
  findUserByEmail,
  lockSystemAdminCreation,
  insertUser,
  insertVerification,
  loadUserRecord,
  updateUser,
  type UserRecord,
} from './accounts.store';
import { actorOf } from './session-view';
import { enrolmentDetails, newTotpSecret } from './totp';
import { verificationExpiresOn } from './verification-rules';

// Work done by the operator at the server's command line (`npm run haven`): no Haven user is
// signed in, so the audit records no actor and `via: 'cli'` (see server/policy/operator.policy.ts).
const VIA_CLI = { via: 'cli' } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface NewSystemAdmin {
  email: string;
  name: string;
  identityCheckedBy: string;
  identityCheckedOn: string;
  vettingCheckedOn: string;
  trainingCompletedOn: string;
}

/** What the operator hands to the new admin; shown once, never stored in readable form or logged. */
export interface SystemAdminCredentials {
  userId: string;
  password: string;
  totp: { secret: string; otpauthUri: string };
  verificationExpiresOn: string;
}

/**
 * Creates the installation's first system admin (or one when none can act: suspended, or verification lapsed):
 * verified at once — nobody else can verify them — with a generated password and two-factor
 * secret for the operator to hand over, so the first sign-in already needs both factors.
 */
export async function createSystemAdminAsOperator(ctx: ServiceContext, input: NewSystemAdmin): Promise<SystemAdminCredentials> {
  const today = localDate(ctx.clock());
  requireAllowed(canOperatorCreateSystemAdmin(await countActiveSystemAdmins(ctx.db, today)));
  if (await findUserByEmail(ctx.db, input.email)) throw new ConflictError('email_in_use', 'An account with this email address already exists.');
  const future = (
    [
      ['identityCheckedOn', 'The identity check date'],
      ['vettingCheckedOn', 'The vetting check date'],
      ['trainingCompletedOn', 'The training date'],
    ] as const
  ).filter(([path]) => input[path] > today);
  if (future.length) {
    throw new ValidationError(
      future.map(([, label]) => `${label} cannot be in the future.`).join(' '),
      future.map(([path, label]) => ({ path, message: `${label} cannot be in the future` })),
    );
  }
  const expiresOn = verificationExpiresOn(input, {
    vettingMonths: ctx.config.HAVEN_VETTING_RENEWAL_MONTHS,
    trainingMonths: ctx.config.HAVEN_TRAINING_RENEWAL_MONTHS,
  });
  if (expiresOn <= today) {
    throw new ValidationError(
      `These dates are already due for renewal (verification would have expired on ${expiresOn}). Record a current vetting check and training.`,
      [{ path: 'vettingCheckedOn', message: 'already due for renewal' }],
    );
  }
  const password = randomToken().slice(0, 24);
  const totpSecret = newTotpSecret();
  const now = ctx.clock();
  const userId = await ctx.db.transaction(async (tx) => {
    // Checked again inside the transaction, under a lock: two operators running create-admin at once make one admin.
    await lockSystemAdminCreation(tx);
    requireAllowed(canOperatorCreateSystemAdmin(await countActiveSystemAdmins(tx, today)));
    const user = await insertUser(tx, {
      email: input.email,
      name: input.name,
      agencyId: null,
      role: 'system_admin',
      passwordHash: hashPassword(password),
      totpSecret,
      totpEnrolledAt: now,
      registeredVia: 'cli',
      createdAt: now,
    });
    const dates = { identityCheckedOn: input.identityCheckedOn, vettingCheckedOn: input.vettingCheckedOn, trainingCompletedOn: input.trainingCompletedOn };
    // Self-verified, as the demo seed's admin is: the verification row needs a user, and there is no other.
    await insertVerification(tx, {
      userId: user.id,
      verifiedBy: user.id,
      verifiedAt: now,
      role: 'system_admin',
      identityCheckedBy: input.identityCheckedBy,
      ...dates,
      expiresOn,
    });
    const about = { actorId: null, agencyId: null, subjectType: 'user', subjectId: user.id } as const;
    await appendAuditEntries(
      tx,
      [
        { ...about, action: 'account.registered', detail: { ...VIA_CLI, role: 'system_admin' } },
        { ...about, action: 'account.verified', detail: { ...VIA_CLI, role: 'system_admin', ...dates, expiresOn } },
        { ...about, action: 'auth.mfa.enrolled', detail: { ...VIA_CLI } },
      ],
      now,
    );
    return user.id;
  });
  const { otpauthUri } = await enrolmentDetails(totpSecret, input.email);
  return { userId, password, totp: { secret: totpSecret, otpauthUri }, verificationExpiresOn: expiresOn };
}

/** A user by id or email address. */
export async function findUserForOperator(ctx: ServiceContext, idOrEmail: string): Promise<UserRecord> {
  const id = idOrEmail.includes('@') ? (await findUserByEmail(ctx.db, idOrEmail))?.id : UUID.test(idOrEmail) ? idOrEmail : undefined;
  const record = id ? await loadUserRecord(ctx.db, id) : undefined;
  if (!record) throw new NotFoundError('user_not_found', 'There is no user with that id or email address.');
  return record;
}

/** Suspends a user, as an admin does from the web; the reason is kept on the account and in the audit log. */
export async function suspendUserAsOperator(ctx: ServiceContext, idOrEmail: string, reason: string): Promise<UserRecord> {
  const record = await findUserForOperator(ctx, idOrEmail);
  requireAllowed(canOperatorSuspend(actorOf(record, localDate(ctx.clock()))));
  const now = ctx.clock();
  const { ended, mail } = await ctx.db.transaction(async (tx) => {
    await updateUser(tx, record.user.id, { suspendedAt: now, suspendedBy: null, suspensionReason: reason });
    await appendAuditEntries(
      tx,
      [
        {
          actorId: null,
          agencyId: record.user.agencyId,
          action: 'account.suspended',
          subjectType: 'user',
          subjectId: record.user.id,
          detail: { ...VIA_CLI, reason },
        },
      ],
      now,
    );
    const mail = await queueNotices(tx, [{ to: { userId: record.user.id }, content: { kind: 'account_suspended' } }], now);
    // Signed out everywhere: every request and socket event re-reads its session, so none of
    // theirs does anything more. Their sockets are told and closed through Redis when the command
    // line has REDIS_URL; without it, the server closes each at its next event.
    return { ended: await deleteUserSessions(tx, record.user.id), mail };
  });
  wakeOutbox(ctx, mail);
  ctx.notifier.sessionsEnded(ended, 'suspended');
  return findUserForOperator(ctx, record.user.id);
}
