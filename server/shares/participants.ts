import { loadUserRecords } from '../accounts/accounts.store';
import { actorOf, type SignedIn } from '../accounts/session-view';
import { findAgency } from '../agencies';
import { openInvolvements } from '../children/children.store';
import { ForbiddenError, ValidationError } from '../errors';
import { canShareWith, type RecipientFacts } from '../policy';
import { localDate } from '../shared/clock';
import type { ServiceContext } from '../shared/context';
import type { ParticipantInput } from './shares.schema';

export interface ResolvedParticipant {
  userId: string | null;
  externalName: string | null;
  agencyId: string;
  needToKnowReason: string | null;
  protectIdentity?: boolean;
}

/**
 * Looks up each participant and, when information is being shared with them, asks policy
 * whether they may receive it; a refusal names the participant by position and says why.
 */
export async function resolveParticipants(
  ctx: ServiceContext,
  signedIn: SignedIn,
  childId: string,
  inputs: ParticipantInput[],
  options: {
    receivingInformation: boolean;
    /** People whose need to know is already established (the officers on an offending-risk case). */ entitledUserIds?: readonly string[];
  },
): Promise<ResolvedParticipant[]> {
  const involved = new Set((await openInvolvements(ctx.db, childId)).map((i) => i.agency.id));
  const userIds = inputs.flatMap((p) => (p.userId ? [p.userId] : []));
  if (new Set(userIds).size !== userIds.length)
    throw new ValidationError('The same person is listed twice.', [{ path: 'participants', message: 'List each person once' }]);
  const users = new Map((await loadUserRecords(ctx.db, { ids: userIds })).map((r) => [r.user.id, r]));
  const today = localDate(ctx.clock());
  const resolved: ResolvedParticipant[] = [];
  for (const [index, input] of inputs.entries()) {
    const path = `participants.${index}`;
    let facts: RecipientFacts;
    let agencyId: string;
    if (input.userId) {
      const record = users.get(input.userId);
      if (!record)
        throw new ValidationError('There is no such Haven user.', [{ path: `${path}.userId`, message: 'Choose someone from the list of Haven users' }]);
      const agency = record.agency;
      facts = {
        user: { id: record.user.id, status: actorOf(record, today).status },
        agency: agency && { id: agency.id, protocolSigned: agency.protocolSigned },
        agencyInvolved: (agency !== null && involved.has(agency.id)) || (options.entitledUserIds?.includes(record.user.id) ?? false),
        needToKnowReason: input.needToKnowReason ?? null,
      };
      agencyId = agency?.id ?? '';
    } else {
      const agency = input.agencyId ? await findAgency(ctx.db, input.agencyId) : undefined;
      if (!agency)
        throw new ValidationError('That agency is not registered in Haven.', [
          { path: `${path}.agencyId`, message: 'Choose the person’s agency from the list' },
        ]);
      facts = { user: null, agency, agencyInvolved: involved.has(agency.id), needToKnowReason: input.needToKnowReason ?? null };
      agencyId = agency.id;
    }
    if (options.receivingInformation) {
      const decision = canShareWith(signedIn.actor, facts);
      if (!decision.allow) throw new ForbiddenError(decision.reason.code, `Person ${index + 1}: ${decision.reason.message}`);
    }
    if (!agencyId)
      throw new ValidationError('This person belongs to no agency.', [{ path: `${path}.userId`, message: 'Choose someone who works for an agency' }]);
    resolved.push({
      userId: input.userId ?? null,
      externalName: input.externalName ?? null,
      agencyId,
      needToKnowReason: input.needToKnowReason ?? null,
      protectIdentity: input.protectIdentity ?? false,
    });
  }
  return resolved;
}
