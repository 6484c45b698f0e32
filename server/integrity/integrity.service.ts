import type { SignedIn } from '../accounts/session-view';
import { appendAuditEntries } from '../audit';
import { NotFoundError, TooManyRequestsError } from '../errors';
import { insertNotices } from '../offending/obligations.store';
import { canReportIntegrity, requireAllowed } from '../policy';
import type { ServiceContext } from '../shared/context';
import { findConversation, findMessage } from '../shares/messages.store';
import { findShare, participantsOf } from '../shares/shares.store';
import type { IntegrityReportBody } from './integrity.schema';
import { forkSubject } from './key-log-fork';
import { activeSystemAdminIds, insertIntegrityReport, lockReporter, reportsSince } from './integrity.store';

/** Reports one user may make in an hour: far more than a real client meets, few enough that nobody floods the admins. */
export const REPORTS_PER_HOUR = 30;

interface Subject {
  subjectId: string;
  threadId: string | null;
  /** Null for a key-log fork, which is about no child. */
  childId: string | null;
}

async function subjectOf(ctx: ServiceContext, signedIn: SignedIn, body: IntegrityReportBody): Promise<Subject> {
  switch (body.kind) {
    case 'envelope_misplaced':
      return messageSubject(ctx, signedIn, body.messageId, body.threadId);
    case 'summary_not_signed':
      return shareSubject(ctx, signedIn, body.shareId);
    case 'key_log_fork':
      return { subjectId: await forkSubject(ctx, signedIn, body.heads), threadId: null, childId: null };
  }
}

/** The message as the server lists it, if the reporter reads its conversation (or special file). */
async function messageSubject(ctx: ServiceContext, signedIn: SignedIn, messageId: string, threadId: string): Promise<Subject> {
  const conversation = await findConversation(ctx.db, threadId);
  if (!conversation) throw new NotFoundError('thread_not_found', 'There is no such conversation.');
  requireAllowed(canReportIntegrity(signedIn.actor, { readerIds: conversation.participantIds }));
  const message = await findMessage(ctx.db, messageId);
  if (message?.threadId !== threadId) throw new NotFoundError('message_not_found', 'There is no such message in this conversation.');
  return { subjectId: messageId, threadId, childId: conversation.thread.childId };
}

/** The share entry, if the reporter sent it or took part as a Haven user (the summary's readers). */
async function shareSubject(ctx: ServiceContext, signedIn: SignedIn, shareId: string): Promise<Subject> {
  const share = await findShare(ctx.db, shareId);
  if (!share) throw new NotFoundError('share_not_found', 'There is no such share entry.');
  const participants = await participantsOf(ctx.db, [shareId]);
  const readerIds = [share.senderId, ...participants.flatMap((p) => (p.participant.userId ? [p.participant.userId] : []))];
  requireAllowed(canReportIntegrity(signedIn.actor, { readerIds }));
  return { subjectId: shareId, threadId: null, childId: share.childId };
}

/**
 * A reader's client found something altered on the server and refused to show it. The report
 * is kept (once per reporter, subject and reason), audited with the child in the private detail,
 * and every active system admin gets a notice, which names nothing: the audit trail says which.
 * `alerted` is false when this reporter had already reported the same thing.
 */
export async function reportIntegrity(ctx: ServiceContext, signedIn: SignedIn, body: IntegrityReportBody): Promise<{ reported: true; alerted: boolean }> {
  const subject = await subjectOf(ctx, signedIn, body);
  const reason = body.kind === 'key_log_fork' ? 'fork' : body.reason;
  const { actor } = signedIn;
  const now = ctx.clock();
  const alerted = await ctx.db.transaction(async (tx) => {
    await lockReporter(tx, actor.id);
    if ((await reportsSince(tx, actor.id, new Date(now.getTime() - 3600_000))) >= REPORTS_PER_HOUR) {
      throw new TooManyRequestsError(
        'too_many_reports',
        'You have sent many reports in the last hour. Haven’s administrators have them; tell them directly about anything else.',
        3600,
      );
    }
    const fresh = await insertIntegrityReport(tx, {
      reporterId: actor.id,
      kind: body.kind,
      reason,
      subjectId: subject.subjectId,
      threadId: subject.threadId,
      createdAt: now,
    });
    if (!fresh) return false;
    const admins = await activeSystemAdminIds(tx);
    await insertNotices(
      tx,
      admins.map((userId) => ({ userId, kind: 'integrity_report' as const, createdAt: now })),
    );
    await appendAuditEntries(
      tx,
      [
        {
          actorId: actor.id,
          agencyId: actor.agencyId,
          action: 'integrity.report_received',
          subjectType: body.kind === 'envelope_misplaced' ? 'message' : body.kind === 'key_log_fork' ? 'key_log' : 'share',
          subjectId: subject.subjectId,
          detail: {
            kind: body.kind,
            reason,
            ...(subject.threadId ? { threadId: subject.threadId } : {}),
            // The evidence itself: two heads the log key signed that cannot both be true (public data, no person in it).
            ...(body.kind === 'key_log_fork' ? { heads: body.heads } : {}),
            adminsTold: admins.length,
          },
          ...(subject.childId ? { privateDetail: { detail: { childId: subject.childId }, childIds: [subject.childId] } } : {}),
        },
      ],
      now,
    );
    return true;
  });
  return { reported: true, alerted };
}
