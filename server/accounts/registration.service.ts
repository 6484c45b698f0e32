import { hashPassword, hashToken, randomToken } from '../../crypto';
import { findAgency } from '../agencies';
import { appendAuditEntries } from '../audit';
import { ConflictError, GoneError, NotFoundError } from '../errors';
import { canInvite, requireAllowed, type Role } from '../policy';
import { EXISTING_ARRANGEMENTS } from '../policy/messages';
import type { ServiceContext } from '../shared/context';
import { claimInvite, findInviteByTokenHash, findUserByEmail, insertInvite, insertUser } from './accounts.store';
import type { SignedIn } from './session-view';

const emailInUse = () => new ConflictError('email_in_use', 'An account with this email address already exists. Sign in instead, or ask your agency admin.');

/** Self-registration: the account exists at once but can do nothing until an admin verifies it. */
export async function register(ctx: ServiceContext, input: { email: string; name: string; password: string; agencyId: string }): Promise<void> {
  const agency = await findAgency(ctx.db, input.agencyId);
  if (!agency) throw new NotFoundError('agency_not_found', 'Choose your agency from the list.');
  if (!agency.protocolSigned) throw new ConflictError('agency_not_signatory', `${agency.name} ${EXISTING_ARRANGEMENTS}`);
  if (await findUserByEmail(ctx.db, input.email)) throw emailInUse();
  const passwordHash = hashPassword(input.password);
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    const user = await insertUser(tx, {
      email: input.email,
      name: input.name,
      agencyId: agency.id,
      role: 'practitioner',
      passwordHash,
      registeredVia: 'self',
      createdAt: now,
    });
    await appendAuditEntries(
      tx,
      [{ actorId: user.id, agencyId: agency.id, action: 'account.registered', subjectType: 'user', subjectId: user.id, detail: { via: 'self' } }],
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
  const invite = await ctx.db.transaction(async (tx) => {
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
    return row;
  });
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
export async function acceptInvite(ctx: ServiceContext, token: string, input: { name: string; password: string }): Promise<void> {
  const { invite } = await usableInvite(ctx, token);
  if (await findUserByEmail(ctx.db, invite.email)) throw emailInUse();
  const passwordHash = hashPassword(input.password);
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
