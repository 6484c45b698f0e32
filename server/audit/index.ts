export {
  appendAuditEntries,
  appendInTransaction,
  auditAfterHead,
  listAuditEntries,
  recentSubjectsOf,
  type ChainHead,
  type NewAuditEntry,
  type StoredAuditEntry,
} from './audit.store';
export { verifyAuditChain, type ChainReport } from './verify-chain';
export { verifyAuditTrail, type AuditVerification, type AuditProblem } from './verify-trail';
export { auditKeysFrom, bindAuditKeys, openAuditKeys, type AuditKeys } from './audit-keys';
export { anchorAuditHead, requireVouchedChain } from './anchors';
export { anchorFilePath } from './anchor-file';
export { anchorSchedule } from './anchoring';
export { auditActions, type AuditAction } from './actions';
