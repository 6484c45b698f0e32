import type { z } from 'zod';
import type { SignedIn } from '../accounts/session-view';
import { appendAuditEntries, type AuditAction } from '../audit';
import { agencyOf, visibleChild } from '../children/children.service';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { canCorrectShare, canReadIndex, canReopenDecision, canShare, canShareAboutMarkedChild, canShareInCase, requireAllowed } from '../policy';
import { loadUserRecords } from '../accounts/accounts.store';
import { createObligation } from '../offending/obligations.service';
import { caseOfficerIds } from '../offending/offending.store';
import type { ServiceContext } from '../shared/context';
import type { Database } from '../db';
import { parseInput } from '../shared/parse-input';
import { linkUploadsToShare, requireAttachableToVerbalShare, requireDocumentsNamed } from '../attachments';
import { resolveParticipants, type ResolvedParticipant } from './participants';
import { buildShareViews, type ShareEntryView } from './share-view';
import { decisionBody, verbalShareBody } from './shares.schema';
import { findShare, insertShare, sharesForParty, type ShareRow } from './shares.store';

/** A little clock skew between a practitioner's device and the server is normal. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

function occurredAtOf(ctx: ServiceContext, iso: string): Date {
  const when = new Date(iso);
  if (when.getTime() > ctx.clock().getTime() + FUTURE_TOLERANCE_MS) {
    throw new ValidationError('The time it happened cannot be in the future.', [{ path: 'occurredAt', message: 'Enter a time that has already happened' }]);
  }
  return when;
}

export interface NewEntry {
  id?: string | undefined;
  kind: ShareRow['kind'];
  /** Welfare unless the child is marked as at risk of offending. */
  tier?: ShareRow['tier'];
  childId: string;
  occurredAt: Date;
  record: Record<string, unknown>;
  summary?: Record<string, unknown> | null | undefined;
  participants: ResolvedParticipant[];
  corrects?: { id: string; reason: string };
  action: AuditAction;
  auditDetail?: Record<string, unknown>;
}

/** Writes one immutable entry, its participants and its audit entry inside the caller's transaction. */
export async function writeShareEntryIn(tx: Database, ctx: ServiceContext, signedIn: SignedIn, entry: NewEntry): Promise<ShareRow> {
  const agencyId = signedIn.actor.agencyId;
  if (!agencyId) throw new Error('policy allowed a sender without an agency');
  const now = ctx.clock();
  const share = await insertShare(
    tx,
    {
      ...(entry.id ? { id: entry.id } : {}),
      kind: entry.kind,
      childId: entry.childId,
      tier: entry.tier ?? 'welfare',
      senderId: signedIn.actor.id,
      senderAgencyId: agencyId,
      senderRole: signedIn.actor.role,
      occurredAt: entry.occurredAt,
      recordedAt: now,
      record: entry.record,
      summary: entry.summary ?? null,
      correctsId: entry.corrects?.id ?? null,
      correctionReason: entry.corrects?.reason ?? null,
    },
    entry.participants,
  );
  await appendAuditEntries(
    tx,
    [
      {
        actorId: signedIn.actor.id,
        agencyId,
        action: entry.action,
        subjectType: 'child',
        subjectId: entry.childId,
        detail: {
          shareId: share.id,
          kind: entry.kind,
          participants: entry.participants.length,
          ...(entry.corrects ? { corrects: entry.corrects.id } : {}),
          ...entry.auditDetail,
        },
      },
    ],
    now,
  );
  return share;
}

async function writeEntry(ctx: ServiceContext, signedIn: SignedIn, entry: NewEntry): Promise<ShareEntryView> {
  const row = await ctx.db.transaction((tx) => writeShareEntryIn(tx, ctx, signedIn, entry));
  const [view] = await buildShareViews(ctx.db, [row]);
  if (!view) throw new Error('entry vanished after writing');
  return view;
}

/** The summary must be readable by exactly the sender and each Haven user who took part — no more, no fewer. */
function checkSummaryReaders(signedIn: SignedIn, body: z.infer<typeof verbalShareBody>, participants: ResolvedParticipant[]): void {
  if (!body.summary) return;
  if (!body.id)
    throw new ValidationError('A summary is sealed to the share’s id, so the id is needed too.', [
      { path: 'id', message: 'Send the id the summary was sealed to' },
    ]);
  const expected = new Set([signedIn.actor.id, ...participants.flatMap((p) => (p.userId ? [p.userId] : []))]);
  const actual = body.summary.keys.map((k) => k.userId);
  if (actual.length !== expected.size || !actual.every((id) => expected.has(id))) {
    throw new ValidationError('The summary must be encrypted to you and to each Haven user who took part.', [
      { path: 'summary.keys', message: `Encrypt the summary to exactly ${expected.size} people: you and each Haven user you shared with` },
    ]);
  }
}

/** The tier a share about this child must use: offending-risk once a designated officer has marked the child. */
export function tierOf(child: { offendingRiskMarkedAt: Date | null }): 'welfare' | 'offending_risk' {
  return child.offendingRiskMarkedAt ? 'offending_risk' : 'welfare';
}

function requireTier(expected: 'welfare' | 'offending_risk', given: string): void {
  if (expected === given) return;
  throw new ValidationError(
    expected === 'offending_risk'
      ? 'This child is marked as at risk of offending: record the share in the offending-risk tier.'
      : 'This child is not marked as at risk of offending: use the welfare tier.',
    [{ path: 'tier', message: `Use the ${expected.replace('_', '-')} tier` }],
  );
}

async function verbalEntry(ctx: ServiceContext, signedIn: SignedIn, childId: string, body: z.infer<typeof verbalShareBody>): Promise<Omit<NewEntry, 'action'>> {
  const { child } = await visibleChild(ctx, signedIn, childId);
  const tier = tierOf(child);
  requireTier(tier, body.tier);
  // For a marked child the tier's rules (designated officers, emergencies only) come before need-to-know.
  if (tier === 'offending_risk') {
    const users = await loadUserRecords(ctx.db, { ids: body.participants.flatMap((p) => (p.userId ? [p.userId] : [])) });
    const recipients = body.participants.map((p) => ({ role: users.find((r) => r.user.id === p.userId)?.user.role ?? 'outside_haven' }));
    requireAllowed(canShareAboutMarkedChild(signedIn.actor, { kind: 'verbal', emergency: body.emergency === true, recipients }));
  }
  const entitledUserIds = tier === 'offending_risk' ? await caseOfficerIds(ctx.db, childId) : [];
  if (tier === 'offending_risk') requireAllowed(canShareInCase(signedIn.actor, entitledUserIds));
  const participants = await resolveParticipants(ctx, signedIn, childId, body.participants, { receivingInformation: true, entitledUserIds });
  checkSummaryReaders(signedIn, body, participants);
  return {
    id: body.id,
    kind: 'verbal',
    tier,
    childId,
    occurredAt: occurredAtOf(ctx, body.occurredAt),
    record: body.record,
    summary: body.summary,
    participants,
  };
}

async function decisionEntry(ctx: ServiceContext, signedIn: SignedIn, childId: string, body: z.infer<typeof decisionBody>): Promise<Omit<NewEntry, 'action'>> {
  const { child } = await visibleChild(ctx, signedIn, childId);
  const tier = tierOf(child);
  requireTier(tier, body.tier);
  // Nothing is shared in a decision not to share, so the requester may be anyone — even from an agency outside the protocol.
  const participants = await resolveParticipants(ctx, signedIn, childId, body.participants, { receivingInformation: false });
  return { kind: 'decision_not_to_share', tier, childId, occurredAt: occurredAtOf(ctx, body.occurredAt), record: body.decision, participants };
}

/**
 * Files on a verbal share: their keys, names and types travel inside the sealed summary, so a share
 * with files has one (its text may be empty); the share record names documents; each upload is the
 * sender's own, made for a verbal share about this child, finished and not yet used.
 */
async function requireFilesFit(ctx: ServiceContext, signedIn: SignedIn, childId: string, body: z.infer<typeof verbalShareBody>, ids: string[]): Promise<void> {
  if (!body.summary) {
    throw new ValidationError('Files on a verbal share travel inside its encrypted summary, so a share with files needs one.', [
      { path: 'summary', message: 'Send the summary that carries the files' },
    ]);
  }
  requireDocumentsNamed(body.record, 'record.kindsOfInformation', 'share');
  await requireAttachableToVerbalShare(ctx, signedIn, childId, ids);
}

/** Logs a verbal share after the fact: who was told, when it really happened, its share record and any files. */
export async function recordVerbalShare(
  ctx: ServiceContext,
  signedIn: SignedIn,
  childId: string,
  body: z.infer<typeof verbalShareBody>,
): Promise<{ entry: ShareEntryView; created: boolean }> {
  requireAllowed(canShare(signedIn.actor, agencyOf(signedIn)));
  await visibleChild(ctx, signedIn, childId);
  const resent = body.id ? await findShare(ctx.db, body.id) : undefined;
  if (resent) {
    if (resent.senderId !== signedIn.actor.id || resent.childId !== childId)
      throw new ConflictError('id_in_use', 'This id is already used by another entry. Make a new one.');
    const [entry] = await buildShareViews(ctx.db, [resent]);
    if (entry) return { entry, created: false };
  }
  const attachmentIds = body.attachments ?? [];
  const entry = {
    ...(await verbalEntry(ctx, signedIn, childId, body)),
    action: 'share.verbal_recorded' as const,
    ...(attachmentIds.length ? { auditDetail: { attachments: attachmentIds } } : {}),
  };
  if (attachmentIds.length) await requireFilesFit(ctx, signedIn, childId, body, attachmentIds);
  const row = await ctx.db.transaction(async (tx) => {
    const share = await writeShareEntryIn(tx, ctx, signedIn, entry);
    if (attachmentIds.length) await linkUploadsToShare(tx, attachmentIds, share.id);
    // An emergency verbal share about a marked child obliges the officer to file the written record.
    if (entry.tier === 'offending_risk') {
      await createObligation(ctx, tx, {
        childId,
        verbalShareId: share.id,
        officerId: signedIn.actor.id,
        agencyId: signedIn.actor.agencyId,
        occurredAt: entry.occurredAt,
      });
    }
    return share;
  });
  const [view] = await buildShareViews(ctx.db, [row]);
  if (!view) throw new Error('entry vanished after writing');
  return { created: true, entry: view };
}

/** Records a decision not to share (including a declined request) with its reason. */
export async function recordDecision(ctx: ServiceContext, signedIn: SignedIn, childId: string, body: z.infer<typeof decisionBody>): Promise<ShareEntryView> {
  requireAllowed(canShare(signedIn.actor, agencyOf(signedIn)));
  await visibleChild(ctx, signedIn, childId);
  return writeEntry(ctx, signedIn, { ...(await decisionEntry(ctx, signedIn, childId, body)), action: 'share.decision_recorded' });
}

async function requireEntry(ctx: ServiceContext, signedIn: SignedIn, id: string): Promise<ShareRow> {
  const entry = await findShare(ctx.db, id);
  if (!entry) throw new NotFoundError('share_not_found', 'There is no such entry in the share log.');
  await visibleChild(ctx, signedIn, entry.childId);
  return entry;
}

/** A decision not to share is reopened by a new entry that says why; the decision itself stays as it was. */
export async function reopenDecision(ctx: ServiceContext, signedIn: SignedIn, id: string, reason: string): Promise<ShareEntryView> {
  const decision = await requireEntry(ctx, signedIn, id);
  if (decision.kind !== 'decision_not_to_share') throw new ConflictError('not_a_decision', 'Only a decision not to share can be reopened.');
  requireAllowed(canReopenDecision(signedIn.actor, agencyOf(signedIn), decision));
  return writeEntry(ctx, signedIn, {
    kind: 'decision_reopened',
    childId: decision.childId,
    occurredAt: ctx.clock(),
    record: { reopens: decision.id, reason },
    participants: [],
    action: 'share.decision_reopened',
  });
}

/** Entries are never edited: a correction is a new entry of the same kind that references the original. */
export async function correctEntry(
  ctx: ServiceContext,
  signedIn: SignedIn,
  id: string,
  input: { reason: string; replacement: unknown },
): Promise<ShareEntryView> {
  const original = await requireEntry(ctx, signedIn, id);
  requireAllowed(canCorrectShare(signedIn.actor, agencyOf(signedIn), original));
  const corrects = { id: original.id, reason: input.reason };
  switch (original.kind) {
    case 'verbal': {
      const body = parseInput(verbalShareBody, input.replacement, 'corrected share');
      // Files stay with the share they were logged with (its readers may open them); a correction adds none.
      if (body.attachments) {
        throw new ValidationError('A correction cannot add files. Record a new verbal share to share more documents.', [
          { path: 'replacement.attachments', message: 'Leave out attachments' },
        ]);
      }
      return writeEntry(ctx, signedIn, { ...(await verbalEntry(ctx, signedIn, original.childId, body)), corrects, action: 'share.corrected' });
    }
    case 'decision_not_to_share': {
      const body = parseInput(decisionBody, input.replacement, 'corrected decision');
      return writeEntry(ctx, signedIn, { ...(await decisionEntry(ctx, signedIn, original.childId, body)), corrects, action: 'share.corrected' });
    }
    case 'decision_reopened':
      throw new ConflictError('cannot_correct', 'A reopening cannot be corrected; record a new decision instead.');
    case 'thread_started':
    case 'participant_added':
      throw new ConflictError('cannot_correct', 'Who takes part in a conversation cannot be corrected; messages are corrected in the conversation itself.');
  }
}

/** The child's chronology as this practitioner may see it: the entries they are party to, in date order. */
export async function chronology(ctx: ServiceContext, signedIn: SignedIn, childId: string): Promise<ShareEntryView[]> {
  requireAllowed(canReadIndex(signedIn.actor));
  await visibleChild(ctx, signedIn, childId);
  const rows = await sharesForParty(ctx.db, childId, signedIn.actor.id);
  await appendAuditEntries(
    ctx.db,
    [
      {
        actorId: signedIn.actor.id,
        agencyId: signedIn.actor.agencyId,
        action: 'child.chronology_viewed',
        subjectType: 'child',
        subjectId: childId,
        detail: { returned: rows.map((r) => r.id) },
      },
    ],
    ctx.clock(),
  );
  return buildShareViews(ctx.db, rows);
}
