import type { z } from 'zod';
import { loadUserRecord } from '../accounts/accounts.store';
import { actorOf, type SignedIn } from '../accounts/session-view';
import { appendAuditEntries } from '../audit';
import { agencyOf, visibleChild } from '../children/children.service';
import { updateChild } from '../children/children.store';
import { ConflictError, NotFoundError } from '../errors';
import { canAddCaseOfficer, canMarkOffendingRisk, canReadSpecialFile, requireAllowed } from '../policy';
import { localDate } from '../shared/clock';
import type { ServiceContext } from '../shared/context';
import { insertParticipants, insertThread, messagesOfThread, participantsOfThread } from '../shares/messages.store';
import type { ShareRecord } from '../shares/share-record';
import { writeShareEntryIn } from '../shares/shares.service';
import { caseOfficerIds, insertCaseOfficer, specialFileOf } from './offending.store';
import type { addCaseOfficerBody } from './offending.schema';

/** Marks a child as at risk of offending; the marking officer is put on the case and the special file opened. */
export async function markOffendingRisk(
  ctx: ServiceContext,
  signedIn: SignedIn,
  childId: string,
  reason: string,
): Promise<{ marked: true; specialFileId: string }> {
  requireAllowed(canMarkOffendingRisk(signedIn.actor, agencyOf(signedIn)));
  const { child } = await visibleChild(ctx, signedIn, childId);
  if (child.offendingRiskMarkedAt) throw new ConflictError('already_marked', 'This child is already marked as at risk of offending.');
  const now = ctx.clock();
  const specialFileId = await ctx.db.transaction(async (tx) => {
    await updateChild(tx, childId, { offendingRiskMarkedAt: now, offendingRiskMarkedBy: signedIn.actor.id });
    await insertCaseOfficer(tx, { childId, userId: signedIn.actor.id, addedBy: signedIn.actor.id, addedAt: now });
    let file = await specialFileOf(tx, childId);
    if (!file) {
      file = await insertThread(tx, { childId, tier: 'offending_risk', createdBy: signedIn.actor.id, createdAt: now });
    }
    const present = (await participantsOfThread(tx, file.id)).map((p) => p.userId);
    if (!present.includes(signedIn.actor.id))
      await insertParticipants(tx, [{ threadId: file.id, userId: signedIn.actor.id, addedBy: signedIn.actor.id, addedAt: now }]);
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: signedIn.actor.agencyId,
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

/** Unmarking ends the tier for new shares; the special file stays, readable by the officers on the case. */
export async function unmarkOffendingRisk(ctx: ServiceContext, signedIn: SignedIn, childId: string, reason: string): Promise<{ marked: false }> {
  requireAllowed(canMarkOffendingRisk(signedIn.actor, agencyOf(signedIn)));
  const { child } = await visibleChild(ctx, signedIn, childId);
  if (!child.offendingRiskMarkedAt) throw new ConflictError('not_marked', 'This child is not marked as at risk of offending.');
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    await updateChild(tx, childId, { offendingRiskMarkedAt: null, offendingRiskMarkedBy: null });
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: signedIn.actor.agencyId,
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

async function requireSpecialFile(ctx: ServiceContext, signedIn: SignedIn, childId: string) {
  await visibleChild(ctx, signedIn, childId);
  const officers = await caseOfficerIds(ctx.db, childId);
  requireAllowed(canReadSpecialFile(signedIn.actor, officers));
  const file = await specialFileOf(ctx.db, childId);
  if (!file) throw new NotFoundError('no_special_file', 'This child has no special file.');
  return { file, officers };
}

/** The special file: the written records (envelopes the officers' browsers open) and the officers on the case. Every access is audited. */
export async function openSpecialFile(ctx: ServiceContext, signedIn: SignedIn, childId: string) {
  const { file, officers } = await requireSpecialFile(ctx, signedIn, childId);
  const records = await messagesOfThread(ctx.db, file.id);
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
    records: records.map((m) => ({ id: m.id, senderId: m.senderId, storedAt: m.storedAt.toISOString(), envelope: m.envelope, revoked: m.revokedAt !== null })),
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
