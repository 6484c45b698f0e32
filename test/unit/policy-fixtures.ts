import type { Decision, UserStatus } from '../../server/policy';

/** Shared vocabulary of the policy table tests. */
export const A = 'agency-a';
export const B = 'agency-b';
export const STATUSES: UserStatus[] = ['pending', 'verified', 'expired', 'suspended'];
export const signedA = { id: A, protocolSigned: true };
export const unsignedA = { id: A, protocolSigned: false };
export const signedB = { id: B, protocolSigned: true };
export const unsignedB = { id: B, protocolSigned: false };

/** A decision as the code of its refusal, or 'allow': table rows read as plain words. */
export const code = (d: Decision): string => (d.allow ? 'allow' : d.reason.code);
