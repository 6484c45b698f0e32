export {
  appendAuditEntries,
  appendInTransaction,
  auditAfterHead,
  listAuditEntries,
  type ChainHead,
  type NewAuditEntry,
  type StoredAuditEntry,
} from './audit.store';
export { verifyAuditChain, type ChainReport } from './verify-chain';
export { auditActions, type AuditAction } from './actions';
