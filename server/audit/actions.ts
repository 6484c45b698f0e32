/** Every audit action name in one list, so filters and reports can offer them and typos fail to compile. */
export const auditActions = [
  'auth.sign_in.succeeded',
  'auth.sign_in.failed',
  'auth.sign_in.locked_out',
  'auth.mfa.succeeded',
  'auth.mfa.failed',
  'auth.mfa.enrolled',
  'auth.signed_out',
  'auth.signed_out_everywhere',
  'account.registered',
  'account.invite_created',
  'account.invite_accepted',
  'account.verified',
  'account.suspended',
  'account.reinstated',
  'agency.registered',
  'agency.protocol_recorded',
  'audit.listed',
  'audit.chain_verified',
  'user.viewed',
  'users.listed',
  'system.demo_seeded',
] as const;

export type AuditAction = (typeof auditActions)[number];
