import { and, desc, eq } from 'drizzle-orm';
import { appendAuditEntries } from '../audit';
import { findChild } from '../children/children.store';
import { subjectAccessRequests } from '../db/schema';
import { NotFoundError } from '../errors';
import type { ServiceContext } from '../shared/context';
import { buildExport, type SubjectAccessExport } from './export';
import { renderExportHtml } from './render-html';

/**
 * The export of a subject access request about a child, for the operator at the server's command
 * line (`npm run haven -- sar-export`): the same export an admin downloads, audited with no actor
 * and `via: 'cli'`. The request itself (and its due date) is recorded from the admin screen first;
 * without `requestId` the child's newest request is exported, an open one before a completed one.
 */
export async function exportRequestAsOperator(
  ctx: ServiceContext,
  childId: string,
  requestId?: string,
): Promise<{ requestId: string; data: SubjectAccessExport; html: string }> {
  const child = await findChild(ctx.db, childId);
  if (!child) throw new NotFoundError('child_not_found', 'There is no child on the index with this identifier.');
  const requests = await ctx.db
    .select()
    .from(subjectAccessRequests)
    .where(and(eq(subjectAccessRequests.childId, childId), requestId ? eq(subjectAccessRequests.id, requestId) : undefined))
    .orderBy(desc(subjectAccessRequests.createdAt));
  const request = requests.find((r) => !r.completedAt) ?? requests[0];
  if (!request) {
    throw new NotFoundError(
      'request_not_found',
      requestId
        ? 'There is no such subject access request about this child.'
        : 'No subject access request is recorded for this child. Record it in the admin screen (Subject access) first, so its due date is tracked.',
    );
  }
  const now = ctx.clock();
  const data = await buildExport(ctx.db, child, now);
  await appendAuditEntries(
    ctx.db,
    [
      {
        actorId: null,
        agencyId: null,
        action: 'subject_access.exported',
        subjectType: 'child',
        subjectId: child.id,
        detail: { requestId: request.id, events: data.events.length, via: 'cli' },
      },
    ],
    now,
  );
  return { requestId: request.id, data, html: renderExportHtml(data, request) };
}
