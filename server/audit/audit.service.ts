import type { z } from 'zod';
import type { SignedIn } from '../accounts/session-view';
import { userNames } from '../accounts/accounts.store';
import { auditReadScope, canVerifyAuditChain, requireAllowed } from '../policy';
import type { ServiceContext } from '../shared/context';
import type { auditQuery } from './audit.schema';
import { appendAuditEntries, listAuditEntries, privateDetails, type StoredAuditEntry } from './audit.store';
import { anchorFilePath } from './anchor-file';
import { subjectNames } from './subject-names';
import { verifyAuditTrail, type AuditVerification } from './verify-trail';

export interface AuditEntryView {
  seq: number;
  at: string;
  actor: { id: string; name: string } | null;
  agencyId: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  /** The subject in words: a user's name, or a child's where policy lets this reader see it; otherwise null. */
  subjectName: string | null;
  detail: Record<string, unknown>;
  /** Personal detail kept outside the chain: present, destroyed with the child's records, or never recorded (null). */
  privateDetail: Record<string, unknown> | 'destroyed' | null;
}

/** A date alone means the whole day: `to=2026-01-31` includes that day's entries. */
export function boundary(value: string | undefined, end: boolean): Date | undefined {
  if (!value) return undefined;
  return value.length === 10 ? new Date(`${value}T${end ? '23:59:59.999' : '00:00:00.000'}Z`) : new Date(value);
}

export async function listAudit(ctx: ServiceContext, signedIn: SignedIn, query: z.infer<typeof auditQuery>): Promise<AuditEntryView[]> {
  const scope = auditReadScope(signedIn.actor);
  requireAllowed(scope.decision);
  const rows = await listAuditEntries(ctx.db, {
    agencyId: scope.agencyId,
    action: query.action,
    actorId: query.actorId,
    subjectId: query.subjectId,
    from: boundary(query.from, false),
    to: boundary(query.to, true),
    beforeSeq: query.beforeSeq,
    limit: query.limit,
  });
  // Reading the audit log is itself audited: who looked, with which filter, and what came back.
  await appendAuditEntries(
    ctx.db,
    [
      {
        actorId: signedIn.actor.id,
        agencyId: signedIn.actor.agencyId,
        action: 'audit.listed',
        detail: { filter: { ...query }, returned: rows.map((r) => r.seq) },
      },
    ],
    ctx.clock(),
  );
  return auditViews(ctx, signedIn, rows);
}

/** Entries as this admin sees them: actor and subject names resolved, private detail merged in (or marked destroyed). */
export async function auditViews(ctx: ServiceContext, signedIn: SignedIn, rows: StoredAuditEntry[]): Promise<AuditEntryView[]> {
  const [names, subjects, privates] = await Promise.all([
    userNames(ctx.db, [...new Set(rows.flatMap((r) => (r.actorId ? [r.actorId] : [])))]),
    subjectNames(ctx.db, signedIn, rows),
    privateDetails(
      ctx.db,
      rows.map((r) => r.seq),
    ),
  ]);
  return rows.map((r) => ({
    seq: r.seq,
    at: r.at.toISOString(),
    actor: r.actorId ? { id: r.actorId, name: names.get(r.actorId) ?? 'Unknown user' } : null,
    agencyId: r.agencyId,
    action: r.action,
    subjectType: r.subjectType,
    subjectId: r.subjectId,
    subjectName: r.subjectType && r.subjectId ? (subjects.get(`${r.subjectType}:${r.subjectId}`) ?? null) : null,
    detail: r.detail,
    privateDetail: privates.get(r.seq) ?? ('privateDigest' in r.detail ? 'destroyed' : null),
  }));
}

/** The chain, its anchors in the database and in this server's anchor file, and its tail against the latest signed anchor. */
export async function verifyChainAsAdmin(ctx: ServiceContext, signedIn: SignedIn): Promise<AuditVerification> {
  requireAllowed(canVerifyAuditChain(signedIn.actor));
  const report = await verifyAuditTrail(ctx.db, anchorFilePath(ctx.config));
  await appendAuditEntries(
    ctx.db,
    [
      {
        actorId: signedIn.actor.id,
        agencyId: signedIn.actor.agencyId,
        action: 'audit.chain_verified',
        detail: { ok: report.ok, checked: report.checked, problem: report.problem ?? null },
      },
    ],
    ctx.clock(),
  );
  return report;
}
