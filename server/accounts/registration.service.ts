import { hashToken, randomToken } from '../../crypto';
import { findAgency } from '../agencies';
import { appendAuditEntries } from '../audit';
import { ConflictError, GoneError, NotFoundError, TooManyRequestsError } from '../errors';
import { inviteToken, queueNotices, wakeOutbox } from '../notifications';
import { insertNotices } from '../offending/obligations.store';
import { canInvite, requireAllowed, type Role } from '../policy';
import { EXISTING_ARRANGEMENTS } from '../policy/messages';
import type { ServiceContext } from '../shared/context';
import type { AccountGuards } from './account-guards';
import { claimInvite, emailInUse, findInviteByTokenHash, findUserByEmail, insertInvite, insertUser, type UserRow } from './accounts.store';
import type { SignedIn } from './session-view';

/** Each registration and invitation acceptance hashes a password: one address may make only so many. */
async function limitRegistrations(guards: AccountGuards, address: string): Promise<void> {
  const wait = await guards.attempts.registrationFrom(address);
  if (wait > 0) throw new TooManyRequestsError('too_many_registrations', 'Too many accounts have been created from this address. Try again later.', wait);
}

/**
 * Someone tried to register an address that has an account. Its owner is told (a notice they see
 * when they next sign in, saying when and nothing about the caller) and it is audited; the caller
 * is told nothing different.
 */
async function tellOwner(ctx: ServiceContext, owner: UserRow, address: string): Promise<void> {
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    await insertNotices(tx, [{ userId: owner.id, kind: 'registration_attempt', createdAt: now }]);
    await appendAuditEntries(
      tx,
      [
        {
          actorId: null,
          agencyId: owner.agencyId,
          action: 'account.registration_attempted',
          subjectType: 'user',
          subjectId: owner.id,
          detail: { address },
        },
      ],
      now,
    );
  });
}

/**
 * Self-registration: the account exists at once but can do nothing until an admin verifies it.
 * An address that already has an account is answered exactly as a new one (same work, same
 * answer), so registering cannot be used to find out who has an account; its owner is told instead.
 */
export async function register(
  ctx: ServiceContext,
  guards: AccountGuards,
  input: { email: string; name: string; password: string; agencyId: string },
  address: string,
): Promise<void> {
  await limitRegistrations(guards, address);
  const agency = await findAgency(ctx.db, input.agencyId);
  if (!agency) throw new NotFoundError('agency_not_found', 'Choose your agency from the list.');
  if (!agency.protocolSigned) throw new ConflictError('agency_not_signatory', `${agency.name} ${EXISTING_ARRANGEMENTS}`);
  const [passwordHash, existing] = await Promise.all([guards.passwords.hash(input.password), findUserByEmail(ctx.db, input.email)]);
  if (existing) return tellOwner(ctx, existing, address);
  const now = ctx.clock();
  try {
    await createSelfRegistered(ctx, { ...input, agencyId: agency.id, passwordHash }, now);
  } catch (error) {
    // A concurrent registration of the same address got there first: this one is an attempt on its account.
    const owner = error instanceof ConflictError && error.code === 'email_in_use' ? await findUserByEmail(ctx.db, input.email) : undefined;
    if (!owner) throw error;
    await tellOwner(ctx, owner, address);
  }
}

async function createSelfRegistered(
  ctx: ServiceContext,
  input: { email: string; name: string; agencyId: string; passwordHash: string },
  now: Date,
): Promise<void> {
  const { agencyId } = input;
  await ctx.db.transaction(async (tx) => {
    const user = await insertUser(tx, {
      email: input.email,
      name: input.name,
      agencyId,
      role: 'practitioner',
      passwordHash: input.passwordHash,
      registeredVia: 'self',
      createdAt: now,
    });
    await appendAuditEntries(
      tx,
      [{ actorId: user.id, agencyId, action: 'account.registered', subjectType: 'user', subjectId: user.id, detail: { via: 'self' } }],
      now,
    );
  });
}

export async function createInvite(
  ctx: ServiceContext,
  signedIn: SignedIn,
  input: { email: string; agencyId: string; role: Role },
): Promise<{ token: string; invite: { id: string; email: string; role: Role; agencyId: string; expiresAt: string } }> {
  const agency = await findAgency(ctx.db, input.agencyId);
  if (!agency) throw new NotFoundError('agency_not_found', 'That agency does not exist.');
  requireAllowed(canInvite(signedIn.actor, { agency, role: input.role }));
  if (await findUserByEmail(ctx.db, input.email)) throw emailInUse();
  const token = randomToken();
  const now = ctx.clock();
  const expiresAt = new Date(now.getTime() + ctx.config.HAVEN_INVITE_DAYS * 86_400_000);
  const { invite, mail } = await ctx.db.transaction(async (tx) => {
    const row = await insertInvite(tx, {
      tokenHash: hashToken(token),
      email: input.email,
      agencyId: agency.id,
      role: input.role,
      createdBy: signedIn.actor.id,
      createdAt: now,
      expiresAt,
    });
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: agency.id,
          action: 'account.invite_created',
          subjectType: 'invite',
          subjectId: row.id,
          detail: { role: input.role, agencyId: agency.id },
        },
      ],
      now,
    );
    // The invitation is e-mailed too (its link and expiry, nothing else), committed with it.
    const mail = await queueNotices(tx, [{ to: { address: input.email }, content: { kind: 'invitation', token: inviteToken(token), expiresAt } }], now);
    return { invite: row, mail };
  });
  wakeOutbox(ctx, mail);
  return { token, invite: { id: invite.id, email: invite.email, role: invite.role, agencyId: invite.agencyId, expiresAt: invite.expiresAt.toISOString() } };
}

async function usableInvite(ctx: ServiceContext, token: string) {
  const found = await findInviteByTokenHash(ctx.db, hashToken(token));
  if (!found) throw new NotFoundError('invite_not_found', 'This invitation link is not valid. Check you copied all of it, or ask your admin for a new one.');
  if (found.invite.usedAt) throw new GoneError('invite_used', 'This invitation has already been used. Sign in instead.');
  if (found.invite.expiresAt <= ctx.clock()) throw new GoneError('invite_expired', 'This invitation has expired. Ask your admin for a new one.');
  return found;
}

export async function describeInvite(ctx: ServiceContext, token: string): Promise<{ email: string; agencyName: string; role: Role; expiresAt: string }> {
  const { invite, agency } = await usableInvite(ctx, token);
  return { email: invite.email, agencyName: agency.name, role: invite.role, expiresAt: invite.expiresAt.toISOString() };
}

/** Accepting creates the account with the invited role; like every account it can do nothing until an admin verifies it. */
export async function acceptInvite(
  ctx: ServiceContext,
  guards: AccountGuards,
  token: string,
  input: { name: string; password: string },
  address: string,
): Promise<void> {
  await limitRegistrations(guards, address);
  const { invite } = await usableInvite(ctx, token);
  // The invitation names its address, so saying it is in use tells its holder nothing new.
  if (await findUserByEmail(ctx.db, invite.email)) throw emailInUse();
  const passwordHash = await guards.passwords.hash(input.password);
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    if (!(await claimInvite(tx, invite.id, now))) throw new GoneError('invite_used', 'This invitation has already been used. Sign in instead.');
    const user = await insertUser(tx, {
      email: invite.email,
      name: input.name,
      agencyId: invite.agencyId,
      role: invite.role,
      passwordHash,
      registeredVia: 'invite',
      createdAt: now,
    });
    await appendAuditEntries(
      tx,
      [
        {
          actorId: user.id,
          agencyId: invite.agencyId,
          action: 'account.invite_accepted',
          subjectType: 'user',
          subjectId: user.id,
          detail: { inviteId: invite.id },
        },
      ],
      now,
    );
  });
}
