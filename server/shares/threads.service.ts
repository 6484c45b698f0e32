import type { z } from 'zod';
import { userNames } from '../accounts/accounts.store';
import type { SignedIn } from '../accounts/session-view';
import { appendAuditEntries } from '../audit';
import { agencyOf, requireVisible, visibleChild } from '../children/children.service';
import { auditNamesListed, childrenNamedFor, type NamesListedIn } from '../children/child-names';
import { overriddenChildren, type ChildRow } from '../children/children.store';
import { NotFoundError } from '../errors';
import { canAddThreadParticipant, canShare, canShareAboutMarkedChild, canUseThread, requireAllowed } from '../policy';
import type { ServiceContext } from '../shared/context';
import {
  alreadyParticipant,
  findConversation,
  insertParticipants,
  insertThread,
  lastMessageTimes,
  messagesOfThread,
  participantsOfThread,
  receiptsOf,
  threadsOfUser,
  type ThreadRow,
} from './messages.store';
import { resolveParticipants } from './participants';
import { writeShareEntryIn } from './shares.service';
import type { addParticipantBody, startThreadBody } from './threads.schema';

export interface ThreadView {
  id: string;
  childId: string;
  /** The child's name, only to a viewer policy lets see it without stating a reason (`canSeeChildName`); null otherwise. */
  childName: string | null;
  tier: ThreadRow['tier'];
  createdAt: string;
  /** The last message stored, or the start when there is none yet. */
  lastActivityAt: string;
  participants: { id: string; name: string; needToKnowReason: string | null }[];
}

/** These conversations as this viewer sees them; the children's names shown are audited (`where`). */
async function threadViews(ctx: ServiceContext, signedIn: SignedIn, rows: ThreadRow[], where: NamesListedIn): Promise<ThreadView[]> {
  const [named, lastMessages, participantLists] = await Promise.all([
    childrenNamedFor(
      ctx,
      signedIn,
      rows.map((t) => t.childId),
    ),
    lastMessageTimes(
      ctx.db,
      rows.map((t) => t.id),
    ),
    Promise.all(rows.map((t) => participantsOfThread(ctx.db, t.id))),
  ]);
  const names = await userNames(ctx.db, [...new Set(participantLists.flat().map((p) => p.userId))]);
  await auditNamesListed(ctx, signedIn, [...named.keys()], where);
  return rows.map((thread, i) => ({
    id: thread.id,
    childId: thread.childId,
    childName: named.get(thread.childId)?.name ?? null,
    tier: thread.tier,
    createdAt: thread.createdAt.toISOString(),
    lastActivityAt: (lastMessages.get(thread.id) ?? thread.createdAt).toISOString(),
    participants: (participantLists[i] ?? []).map((p) => ({ id: p.userId, name: names.get(p.userId) ?? 'Unknown user', needToKnowReason: p.needToKnowReason })),
  }));
}

async function threadView(ctx: ServiceContext, signedIn: SignedIn, thread: ThreadRow): Promise<ThreadView> {
  const [view] = await threadViews(ctx, signedIn, [thread], 'conversation');
  if (!view) throw new Error('no view of the conversation');
  return view;
}

/**
 * The thread, if this user takes part in it (and may still see its child). The conversation, its
 * child and members come in one query. This session's shield overrides matter only when the child
 * is shielded, so only then are they read: every send comes through here, and most children are
 * not shielded (one round trip fewer per send; issue 22).
 */
export async function requireThread(
  ctx: ServiceContext,
  signedIn: SignedIn,
  threadId: string,
): Promise<{ thread: ThreadRow; participantIds: string[]; child: ChildRow }> {
  const conversation = await findConversation(ctx.db, threadId);
  if (!conversation) throw new NotFoundError('thread_not_found', 'There is no such conversation.');
  const { thread, participantIds } = conversation;
  requireAllowed(canUseThread(signedIn.actor, { participantIds }));
  const override = conversation.child?.shieldedAt ? (await overriddenChildren(ctx.db, signedIn.tokenHash)).includes(thread.childId) : false;
  const { child } = requireVisible({ child: conversation.child, override });
  return { thread, participantIds, child };
}

/** Starts a conversation about a child: recorded in the share log with its share record, like any share. */
export async function startThread(ctx: ServiceContext, signedIn: SignedIn, childId: string, body: z.infer<typeof startThreadBody>): Promise<ThreadView> {
  requireAllowed(canShare(signedIn.actor, agencyOf(signedIn)));
  const { child } = await visibleChild(ctx, signedIn, childId);
  if (child.offendingRiskMarkedAt) requireAllowed(canShareAboutMarkedChild(signedIn.actor, { kind: 'message', emergency: false, recipients: [] }));
  const participants = await resolveParticipants(ctx, signedIn, childId, body.participants, { receivingInformation: true });
  const now = ctx.clock();
  const thread = await ctx.db.transaction(async (tx) => {
    const row = await insertThread(tx, { childId, tier: 'welfare', createdBy: signedIn.actor.id, createdAt: now });
    await insertParticipants(tx, [
      { threadId: row.id, userId: signedIn.actor.id, addedBy: signedIn.actor.id, addedAt: now },
      ...participants.map((p) => ({
        threadId: row.id,
        userId: p.userId ?? '',
        addedBy: signedIn.actor.id,
        addedAt: now,
        needToKnowReason: p.needToKnowReason,
      })),
    ]);
    await writeShareEntryIn(tx, ctx, signedIn, {
      kind: 'thread_started',
      childId,
      occurredAt: now,
      record: body.record,
      participants,
      action: 'share.thread_started',
      auditDetail: { threadId: row.id },
    });
    return row;
  });
  return threadView(ctx, signedIn, thread);
}

/** Adding someone is itself a share (they learn who the child is), with its own record. */
export async function addParticipant(ctx: ServiceContext, signedIn: SignedIn, threadId: string, body: z.infer<typeof addParticipantBody>): Promise<ThreadView> {
  requireAllowed(canShare(signedIn.actor, agencyOf(signedIn)));
  const { thread, participantIds } = await requireThread(ctx, signedIn, threadId);
  requireAllowed(canAddThreadParticipant(thread));
  if (participantIds.includes(body.userId)) throw alreadyParticipant();
  const [participant] = await resolveParticipants(ctx, signedIn, thread.childId, [{ userId: body.userId, needToKnowReason: body.needToKnowReason }], {
    receivingInformation: true,
  });
  if (!participant) throw new Error('participant vanished');
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    await insertParticipants(tx, [{ threadId, userId: body.userId, addedBy: signedIn.actor.id, addedAt: now, needToKnowReason: participant.needToKnowReason }]);
    await writeShareEntryIn(tx, ctx, signedIn, {
      kind: 'participant_added',
      childId: thread.childId,
      occurredAt: now,
      record: body.record,
      participants: [participant],
      action: 'share.participant_added',
      auditDetail: { threadId },
    });
  });
  return threadView(ctx, signedIn, thread);
}

export async function myThreads(ctx: ServiceContext, signedIn: SignedIn): Promise<ThreadView[]> {
  const rows = await threadsOfUser(ctx.db, signedIn.actor.id);
  return threadViews(ctx, signedIn, rows, 'conversations');
}

/** A conversation with its messages (envelopes the browser opens); reading it is audited. */
export async function openThread(ctx: ServiceContext, signedIn: SignedIn, threadId: string) {
  const { thread } = await requireThread(ctx, signedIn, threadId);
  const rows = await messagesOfThread(ctx.db, threadId);
  // Receipts are the sender's: others see none, as live.
  const receipts = await receiptsOf(
    ctx.db,
    rows.filter((m) => m.senderId === signedIn.actor.id).map((m) => m.id),
  );
  await appendAuditEntries(
    ctx.db,
    [
      {
        actorId: signedIn.actor.id,
        agencyId: signedIn.actor.agencyId,
        action: 'thread.opened',
        subjectType: 'thread',
        subjectId: threadId,
        detail: { childId: thread.childId, messages: rows.length },
      },
    ],
    ctx.clock(),
  );
  return {
    thread: await threadView(ctx, signedIn, thread),
    messages: rows.map((m) => ({
      id: m.id,
      senderId: m.senderId,
      storedAt: m.storedAt.toISOString(),
      envelope: m.envelope,
      revoked: m.revokedAt !== null,
      receipts: m.senderId === signedIn.actor.id ? (receipts.get(m.id) ?? { delivered: [], read: [] }) : null,
    })),
  };
}
