export const ROLES = ['practitioner', 'designated_officer', 'agency_admin', 'system_admin'] as const;
export type Role = (typeof ROLES)[number];

/** Where a user stands with verification, derived from their newest verification and suspension. */
export type UserStatus = 'pending' | 'verified' | 'expired' | 'suspended';

/** Who is asking: everything policy needs to know about the signed-in user. */
export interface Actor {
  id: string;
  role: Role;
  agencyId: string | null;
  status: UserStatus;
  mfaEnrolled: boolean;
}

/** The agency a decision concerns. */
export interface AgencyFacts {
  id: string;
  protocolSigned: boolean;
}

/** A user an admin acts on. */
export interface TargetUser {
  id: string;
  role: Role;
  agencyId: string | null;
  status: UserStatus;
}

export interface DenyReason {
  code: string;
  message: string;
}

export type Decision = { allow: true } | { allow: false; reason: DenyReason };

export const allow: Decision = { allow: true };

export function deny(code: string, message: string): Decision {
  return { allow: false, reason: { code, message } };
}
