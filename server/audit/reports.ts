import { z } from 'zod';
import type { SignedIn } from '../accounts/session-view';
import { auditReadScope, requireAllowed } from '../policy';
import type { ServiceContext } from '../shared/context';
import { toCsv } from '../shared/csv';
import { auditActionLabel } from './action-labels';
import { appendAuditEntries, listAuditEntries } from './audit.store';
import { auditViews, boundary, type AuditEntryView } from './audit.service';

export const reportQuery = z.strictObject({
  from: z.iso.date({ message: 'from must be a date like 2026-01-31' }).optional(),
  to: z.iso.date({ message: 'to must be a date like 2026-01-31' }).optional(),
  format: z.enum(['json', 'csv'], { message: 'format must be json or csv' }).default('json'),
});

const REPORT_LIMIT = 10_000;

/**
 * "Who has accessed this child's information?" and "what has this user accessed?" — from the
 * audit log, within the admin's scope (agency admins see their agency's entries). Reading a
 * report is itself audited.
 */
export async function accessReport(
  ctx: ServiceContext,
  signedIn: SignedIn,
  about: { kind: 'child' | 'user'; id: string },
  query: z.infer<typeof reportQuery>,
): Promise<AuditEntryView[]> {
  const scope = auditReadScope(signedIn.actor);
  requireAllowed(scope.decision);
  const rows = await listAuditEntries(ctx.db, {
    agencyId: scope.agencyId,
    ...(about.kind === 'child' ? { aboutChildId: about.id } : { actorId: about.id }),
    from: boundary(query.from, false),
    to: boundary(query.to, true),
    limit: REPORT_LIMIT,
  });
  await appendAuditEntries(
    ctx.db,
    [
      {
        actorId: signedIn.actor.id,
        agencyId: signedIn.actor.agencyId,
        action: 'audit.report_viewed',
        subjectType: about.kind,
        subjectId: about.id,
        detail: { from: query.from ?? null, to: query.to ?? null, format: query.format, entries: rows.length },
      },
    ],
    ctx.clock(),
  );
  // Oldest first reads as a history.
  return (await auditViews(ctx, signedIn, rows)).reverse();
}

export function reportCsv(entries: AuditEntryView[]): string {
  return toCsv(
    ['time', 'who', 'agency id', 'what happened', 'action code', 'about', 'reason or terms', 'detail'],
    entries.map((e) => [
      e.at,
      e.actor?.name ?? 'Haven',
      e.agencyId,
      // In words for the reader; the code too, for filtering and for tools.
      auditActionLabel(e.action),
      e.action,
      e.subjectType ? [e.subjectType, e.subjectName, e.subjectId].filter(Boolean).join(' ') : null,
      e.privateDetail === 'destroyed' ? '(destroyed with the child’s records)' : e.privateDetail ? JSON.stringify(e.privateDetail) : null,
      JSON.stringify(e.detail),
    ]),
  );
}
