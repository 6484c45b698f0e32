// Every authorisation decision in Haven, as pure functions. Nothing else decides who may do what.
export * from './types';
export * from './admin.policy';
export { sharingStatus } from './sharing.policy';
export { requireAllowed } from './require';
export * from './children.policy';
export * from './shares.policy';
export * from './offending.policy';
export * from './operator.policy';
export * from './standing.policy';
export * from './integrity.policy';
export * from './pending-readers.policy';
export * from './audit.policy';
export * from './lead-practitioner.policy';
export * from './sign-in.policy';
export * from './attachments.policy';
export * from './recovery.policy';
