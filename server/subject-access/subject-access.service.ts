import { desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { SignedIn } from '../accounts/session-view';
import { appendAuditEntries } from '../audit';
import { findChild } from '../children/children.store';
import { children, subjectAccessRequests } from '../db/schema';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { adminAlertScope, canHandleSubjectAccess, requireAllowed } from '../policy';
import { addMonths, localDate } from '../shared/clock';
import type { ServiceContext } from '../shared/context';
import { isoDate, uuidParam } from '../shared/schemas';
import { buildExport, type SubjectAccessExport } from './export';
import { renderExportHtml } from './render-html';

export const createRequestBody = z.strictObject({
  childId: uuidParam,
  requestedOn: isoDate,
  requestedBy: z.enum(['child', 'parent', 'representative'], { message: 'Say who made the request: the child, a parent, or a representative' }),
});

type RequestRow = typeof subjectAccessRequests.$inferSelect;

export interface RequestView {
  id: string;
  childId: string;
  requestedOn: string;
  dueOn: string;
  requestedBy: RequestRow['requestedBy'];
  completedAt: string | null;
  status: 'open' | 'overdue' | 'completed';
}

function view(row: RequestRow, today: string): RequestView {
  return {
    id: row.id,
    childId: row.childId,
    requestedOn: row.requestedOn,
    dueOn: row.dueOn,
    requestedBy: row.requestedBy,
    completedAt: row.completedAt?.toISOString() ?? null,
    status: row.completedAt ? 'completed' : today > row.dueOn ? 'overdue' : 'open',
  };
}

async function requireRequest(ctx: ServiceContext, signedIn: SignedIn, id: string) {
  const [row] = await ctx.db.select().from(subjectAccessRequests).where(eq(subjectAccessRequests.id, id));
  const child = row ? await findChild(ctx.db, row.childId) : undefined;
  if (!row || !child) throw new NotFoundError('request_not_found', 'There is no such subject access request.');
  requireAllowed(canHandleSubjectAccess(signedIn.actor, child));
  return { row, child };
}

/** Records a request and its due date: one calendar month from receipt (UK GDPR Art 12(3)). */
export async function createRequest(ctx: ServiceContext, signedIn: SignedIn, input: z.infer<typeof createRequestBody>): Promise<RequestView> {
  const child = await findChild(ctx.db, input.childId);
  if (!child) throw new NotFoundError('child_not_found', 'There is no child on the index with this identifier.');
  requireAllowed(canHandleSubjectAccess(signedIn.actor, child));
  const today = localDate(ctx.clock());
  if (input.requestedOn > today)
    throw new ValidationError('The request cannot have been received in the future.', [{ path: 'requestedOn', message: 'Enter the date it was received' }]);
  const now = ctx.clock();
  const row = await ctx.db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(subjectAccessRequests)
      .values({ ...input, dueOn: addMonths(input.requestedOn, 1), createdBy: signedIn.actor.id, createdAt: now })
      .returning();
    if (!inserted) throw new Error('insert returned no row');
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: signedIn.actor.agencyId,
          action: 'subject_access.requested',
          subjectType: 'child',
          subjectId: child.id,
          detail: { requestId: inserted.id, dueOn: inserted.dueOn },
        },
      ],
      now,
    );
    return inserted;
  });
  return view(row, today);
}

export async function listRequests(ctx: ServiceContext, signedIn: SignedIn): Promise<RequestView[]> {
  const scope = adminAlertScope(signedIn.actor);
  requireAllowed(scope.decision);
  const rows = await ctx.db
    .select({ r: subjectAccessRequests, source: children.sourceAgencyId })
    .from(subjectAccessRequests)
    .innerJoin(children, eq(children.id, subjectAccessRequests.childId))
    .orderBy(desc(subjectAccessRequests.createdAt));
  const today = localDate(ctx.clock());
  return rows.filter((r) => !scope.agencyId || r.source === scope.agencyId).map((r) => view(r.r, today));
}

/** The export, as data and as a printable page; producing it is audited. */
export async function exportRequest(ctx: ServiceContext, signedIn: SignedIn, id: string): Promise<{ data: SubjectAccessExport; html: string }> {
  const { row, child } = await requireRequest(ctx, signedIn, id);
  const now = ctx.clock();
  const data = await buildExport(ctx.db, child, now);
  await appendAuditEntries(
    ctx.db,
    [
      {
        actorId: signedIn.actor.id,
        agencyId: signedIn.actor.agencyId,
        action: 'subject_access.exported',
        subjectType: 'child',
        subjectId: child.id,
        detail: { requestId: id, events: data.events.length },
      },
    ],
    now,
  );
  return { data, html: renderExportHtml(data, row) };
}

export async function completeRequest(ctx: ServiceContext, signedIn: SignedIn, id: string): Promise<RequestView> {
  const { row, child } = await requireRequest(ctx, signedIn, id);
  if (row.completedAt) throw new ConflictError('already_completed', 'This request is already marked as answered.');
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    await tx.update(subjectAccessRequests).set({ completedAt: now, completedBy: signedIn.actor.id }).where(eq(subjectAccessRequests.id, id));
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: signedIn.actor.agencyId,
          action: 'subject_access.completed',
          subjectType: 'child',
          subjectId: child.id,
          detail: { requestId: id },
        },
      ],
      now,
    );
  });
  return view({ ...row, completedAt: now, completedBy: signedIn.actor.id }, localDate(now));
}
