import type { SignedIn } from '../accounts/session-view';
import { appendAuditEntries } from '../audit';
import { NotFoundError } from '../errors';
import { canManageSignInPolicy, requireAllowed } from '../policy';
import type { ServiceContext } from '../shared/context';
import type { SignInPolicyView } from './agencies.schema';
import { findAgency, setPasskeyOnlySignIn } from './agencies.store';

export async function signInPolicy(ctx: ServiceContext, signedIn: SignedIn, agencyId: string): Promise<SignInPolicyView> {
  requireAllowed(canManageSignInPolicy(signedIn.actor, agencyId));
  const agency = await findAgency(ctx.db, agencyId);
  if (!agency) throw new NotFoundError('agency_not_found', 'That agency does not exist.');
  return { agencyId, passkeyOnlySignIn: agency.passkeyOnlySignIn };
}

/** An agency's admin lets its people sign in with a passkey alone, or stops it (audited; sessions already open stay open). */
export async function setSignInPolicy(ctx: ServiceContext, signedIn: SignedIn, agencyId: string, passkeyOnlySignIn: boolean): Promise<SignInPolicyView> {
  requireAllowed(canManageSignInPolicy(signedIn.actor, agencyId));
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    const agency = await setPasskeyOnlySignIn(tx, agencyId, passkeyOnlySignIn);
    if (!agency) throw new NotFoundError('agency_not_found', 'That agency does not exist.');
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId,
          action: 'agency.sign_in_policy_set',
          subjectType: 'agency',
          subjectId: agencyId,
          detail: { passkeyOnlySignIn },
        },
      ],
      now,
    );
  });
  return { agencyId, passkeyOnlySignIn };
}
