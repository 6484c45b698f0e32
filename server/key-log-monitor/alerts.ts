import { appendAuditEntries } from '../audit';
import { activeSystemAdminIds } from '../integrity/integrity.store';
import { insertNotices } from '../offending/obligations.store';
import type { ServiceContext } from '../shared/context';
import type { Finding } from './findings';

/**
 * Tells every active system admin about each finding, in one transaction: a notice each (naming
 * nothing; the audit entry says what), and one audit entry per finding with its heads as evidence —
 * `key_log.fork_detected` for two heads that cannot both be true, `key_log.damage_detected` otherwise.
 * Answers how many admins were told.
 */
export async function tellSystemAdmins(ctx: ServiceContext, findings: readonly Finding[]): Promise<number> {
  const now = ctx.clock();
  return ctx.db.transaction(async (tx) => {
    const admins = await activeSystemAdminIds(tx);
    await insertNotices(
      tx,
      findings.flatMap(() => admins.map((userId) => ({ userId, kind: 'key_log_fork' as const, createdAt: now }))),
    );
    await appendAuditEntries(
      tx,
      findings.map((finding) => ({
        actorId: null,
        agencyId: null,
        action: finding.heads.length === 2 ? ('key_log.fork_detected' as const) : ('key_log.damage_detected' as const),
        subjectType: 'key_log',
        subjectId: finding.id,
        // Heads are public (no person in them); `says` names sizes and roots only.
        detail: { kind: finding.kind, heads: finding.heads, says: finding.says, adminsTold: admins.length, via: 'key-log-monitor' },
      })),
      now,
    );
    return admins.length;
  });
}
