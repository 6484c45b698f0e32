import type { z } from 'zod';
import { loadUserRecord, userNames } from '../accounts/accounts.store';
import { actorOf, type SignedIn } from '../accounts/session-view';
import { appendAuditEntries } from '../audit';
import { agencyOf, visibleChild } from '../children/children.service';
import { ConflictError, NotFoundError } from '../errors';
import { canAddCaseOfficer, canMarkOffendingRisk, canReadSpecialFile, canUnmarkAsAdmin, canUnmarkOffendingRisk, requireAllowed } from '../policy';
import { localDate } from '../shared/clock';
import type { ServiceContext } from '../shared/context';
import { insertParticipants, insertThread, messagesOfThread } from '../shares/messages.store';
import type { ShareRecord } from '../shares/share-record';
import { writeShareEntryIn } from '../shares/shares.service';
import { insertNotices } from './obligations.store';
import { caseOfficerIds, insertCaseOfficer, lockMarking, setMarking, specialFileOf } from './offending.store';
import type { addCaseOfficerBody } from './offending.schema';

const alreadyMarked = () => new ConflictError('already_marked', 'This child is already marked as at risk of offending.');
const notMarked = () => new ConflictError('not_marked', 'This child is not marked as at risk of offending.');

/**
 * Marks a child as at risk of offending. A first marking opens the case and its special file with
 * the marking officer on it; a child who has (or had) a case is marked again only by an officer
 * on it, who joins nothing. The child's row is locked first, so concurrent marks take turns.
 */
export async function markOffendingRisk(
  ctx: ServiceContext,
  signedIn: SignedIn,
  childId: string,
  reason: string,
): Promise<{ marked: true; specialFileId: string }> {
  const { actor } = signedIn;
  // Role and standing before any lookup; the case itself is checked under the child's lock.
  requireAllowed(canMarkOffendingRisk(actor, agencyOf(signedIn), []));
  await visibleChild(ctx, signedIn, childId);
  const now = ctx.clock();
  const specialFileId = await ctx.db.transaction(async (tx) => {
    const marking = await lockMarking(tx, childId);
    const officers = await caseOfficerIds(tx, childId);
    requireAllowed(canMarkOffendingRisk(actor, agencyOf(signedIn), officers));
    if (!marking || marking.markedAt) throw alreadyMarked();
    await setMarking(tx, childId, { at: now, by: actor.id });
    let file = await specialFileOf(tx, childId);
    file ??= await insertThread(tx, { childId, tier: 'offending_risk', createdBy: actor.id, createdAt: now });
    if (officers.length === 0) {
      await insertCaseOfficer(tx, { childId, userId: actor.id, addedBy: actor.id, addedAt: now });
      await insertParticipants(tx, [{ threadId: file.id, userId: actor.id, addedBy: actor.id, addedAt: now }]);
    }
    await appendAuditEntries(
      tx,
      [
        {
          actorId: actor.id,
          agencyId: actor.agencyId,
          action: 'child.offending_risk_marked',
          subjectType: 'child',
          subjectId: childId,
          privateDetail: { detail: { reason }, childIds: [childId] },
        },
      ],
      now,
    );
    return file.id;
  });
  return { marked: true, specialFileId };
}

/** Unmarking, by an officer on the case, ends the tier for new shares; the special file stays, readable by the officers on the case. */
export async function unmarkOffendingRisk(ctx: ServiceContext, signedIn: SignedIn, childId: string, reason: string): Promise<{ marked: false }> {
  const { actor } = signedIn;
  // Role and standing before any lookup (as if on the case); the case itself is checked under the child's lock.
  requireAllowed(canUnmarkOffendingRisk(actor, agencyOf(signedIn), [actor.id]));
  await visibleChild(ctx, signedIn, childId);
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    const marking = await lockMarking(tx, childId);
    requireAllowed(canUnmarkOffendingRisk(actor, agencyOf(signedIn), await caseOfficerIds(tx, childId)));
    if (!marking?.markedAt) throw notMarked();
    await setMarking(tx, childId, null);
    await appendAuditEntries(
      tx,
      [
        {
          actorId: actor.id,
          agencyId: actor.agencyId,
          action: 'child.offending_risk_unmarked',
          subjectType: 'child',
          subjectId: childId,
          privateDetail: { detail: { reason }, childIds: [childId] },
        },
      ],
      now,
    );
  });
  return { marked: false };
}

/**
 * The audited way out when no officer on the case can act: an admin of the marking officer's
 * agency (or a system admin) removes the mark with a reason, and every officer on the case is
 * told. The admin gets no access to the special file.
 */
export async function unmarkAsAdmin(ctx: ServiceContext, signedIn: SignedIn, childId: string, reason: string): Promise<{ marked: false }> {
  const { actor } = signedIn;
  // Role and standing before any lookup; the marking agency is checked under the child's lock.
  requireAllowed(canUnmarkAsAdmin(actor, actor.agencyId));
  await visibleChild(ctx, signedIn, childId);
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    const marking = await lockMarking(tx, childId);
    const marker = marking?.markedBy ? await loadUserRecord(tx, marking.markedBy) : undefined;
    requireAllowed(canUnmarkAsAdmin(actor, marker?.user.agencyId ?? null));
    if (!marking?.markedAt) throw notMarked();
    await setMarking(tx, childId, null);
    const officers = await caseOfficerIds(tx, childId);
    // The notice names no child (notices never do); the audit entry says which.
    await insertNotices(
      tx,
      officers.map((userId) => ({ userId, kind: 'case_unmarked' as const, createdAt: now })),
    );
    await appendAuditEntries(
      tx,
      [
        {
          actorId: actor.id,
          agencyId: actor.agencyId,
          action: 'child.offending_risk_unmarked_by_admin',
          subjectType: 'child',
          subjectId: childId,
          detail: { officersTold: officers.length },
          privateDetail: { detail: { reason }, childIds: [childId] },
        },
      ],
      now,
    );
  });
  return { marked: false };
}

async function requireSpecialFile(ctx: ServiceContext, signedIn: SignedIn, childId: string) {
  await visibleChild(ctx, signedIn, childId);
  const officers = await caseOfficerIds(ctx.db, childId);
  requireAllowed(canReadSpecialFile(signedIn.actor, officers));
  const file = await specialFileOf(ctx.db, childId);
  if (!file) throw new NotFoundError('no_special_file', 'This child has no special file.');
  return { file, officers };
}

/**
 * The special file: the written records (envelopes the officers' browsers open) and the officers on
 * the case, by name — who is on the case is part of the file, so their names are read under the
 * same policy (canReadSpecialFile). Every access is audited.
 */
export async function openSpecialFile(ctx: ServiceContext, signedIn: SignedIn, childId: string) {
  const { file, officers } = await requireSpecialFile(ctx, signedIn, childId);
  const [records, names] = await Promise.all([messagesOfThread(ctx.db, file.id), userNames(ctx.db, officers)]);
  await appendAuditEntries(
    ctx.db,
    [
      {
        actorId: signedIn.actor.id,
        agencyId: signedIn.actor.agencyId,
        action: 'special_file.opened',
        subjectType: 'child',
        subjectId: childId,
        detail: { records: records.length },
      },
    ],
    ctx.clock(),
  );
  return {
    specialFileId: file.id,
    officerIds: officers,
    officers: officers.map((id) => ({ id, name: names.get(id) ?? 'Unknown user' })),
    records: records.map((m) => ({
      id: m.id,
      senderId: m.senderId,
      storedAt: m.storedAt.toISOString(),
      envelope: m.envelope,
      revoked: m.revokedAt !== null,
      keyGrants: m.keyGrants,
    })),
  };
}

/** Adds a designated officer to the case (a share of the special file, recorded as such). */
export async function addCaseOfficer(
  ctx: ServiceContext,
  signedIn: SignedIn,
  childId: string,
  body: z.infer<typeof addCaseOfficerBody>,
): Promise<{ officerIds: string[] }> {
  const { file, officers } = await requireSpecialFile(ctx, signedIn, childId);
  const officer = await loadUserRecord(ctx.db, body.userId);
  if (!officer) throw new NotFoundError('user_not_found', 'That user does not exist.');
  const facts = actorOf(officer, localDate(ctx.clock()));
  requireAllowed(canAddCaseOfficer(signedIn.actor, agencyOf(signedIn), officers, { role: facts.role, status: facts.status, agency: officer.agency }));
  if (officers.includes(body.userId)) throw new ConflictError('already_on_case', 'This officer is already on the case.');
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    await insertCaseOfficer(tx, { childId, userId: body.userId, addedBy: signedIn.actor.id, addedAt: now });
    await insertParticipants(tx, [{ threadId: file.id, userId: body.userId, addedBy: signedIn.actor.id, addedAt: now }]);
    await writeShareEntryIn(tx, ctx, signedIn, {
      kind: 'participant_added',
      tier: 'offending_risk',
      childId,
      occurredAt: now,
      record: body.record satisfies ShareRecord,
      participants: [{ userId: body.userId, externalName: null, agencyId: officer.user.agencyId ?? '', needToKnowReason: null }],
      action: 'case_officer.added',
      auditDetail: { specialFileId: file.id },
    });
  });
  return { officerIds: [...officers, body.userId] };
}
