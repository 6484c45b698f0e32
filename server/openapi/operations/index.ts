import type { ApiOperation } from '../api-operation';
import { serviceOperations } from './service';
import { accountsOperations } from './accounts';
import { passkeyOperations } from './passkeys';
import { agenciesOperations } from './agencies';
import { auditOperations } from './audit';
import { childrenOperations } from './children';
import { sharesOperations } from './shares';
import { attachmentsOperations } from './attachments';
import { keysOperations } from './keys';
import { offendingOperations } from './offending';
import { retentionOperations } from './retention';
import { subjectAccessOperations } from './subject-access';
import { integrityOperations } from './integrity';
import { notificationOperations } from './notifications';
import { mfaRecoveryOperations } from './mfa-recovery';

/** Every HTTP operation under /api, in the order the page lists them (by tag). */
export const API_OPERATIONS: ApiOperation[] = [
  ...serviceOperations,
  ...notificationOperations,
  ...accountsOperations,
  ...passkeyOperations,
  ...mfaRecoveryOperations,
  ...agenciesOperations,
  ...auditOperations,
  ...childrenOperations,
  ...sharesOperations,
  ...attachmentsOperations,
  ...keysOperations,
  ...offendingOperations,
  ...retentionOperations,
  ...subjectAccessOperations,
  ...integrityOperations,
];
