import { auditReadScope } from './admin.policy';
import { canReadIndex } from './children.policy';
import { allow, deny, type Actor, type Decision } from './types';

/** What policy needs to know to name a child in the audit log or an access report. */
export interface AuditChildFacts {
  sourceAgencyId: string;
  /** Whether the reader's agency has an open involvement with the child. */
  readerAgencyInvolved: boolean;
  /** Delisted, or shielded without this session's override: not on the index for this reader. */
  hidden: boolean;
}

/**
 * Naming the child an audit entry is about. The reader must be able to read the audit log and
 * the index, and the child must be on the index for them (a shield is respected as search
 * respects it). A system admin, who answers subject access requests about any child, sees the
 * name; an agency admin, who reads only their agency's entries, sees it only for a child their
 * agency holds or serves. Anyone else sees the record's identifier only.
 */
export function canSeeChildNameInAudit(actor: Actor, child: AuditChildFacts): Decision {
  const scope = auditReadScope(actor).decision;
  if (!scope.allow) return scope;
  const read = canReadIndex(actor);
  if (!read.allow) return read;
  if (child.hidden) return deny('child_not_found', 'There is no child on the index with this identifier.');
  if (actor.role === 'system_admin') return allow;
  const mine = actor.agencyId !== null && (child.readerAgencyInvolved || child.sourceAgencyId === actor.agencyId);
  return mine ? allow : deny('not_involved', 'Your agency neither holds nor serves this child, so the audit log shows their record identifier only.');
}
