// Shapes of the REST contract in docs/api.md.

export const ROLES = ['practitioner', 'designated_officer', 'agency_admin', 'system_admin'] as const;
export type Role = (typeof ROLES)[number];

export const AGENCY_KINDS = ['children_social_care', 'police', 'health', 'education', 'youth_offending', 'voluntary', 'other'] as const;
export type AgencyKind = (typeof AGENCY_KINDS)[number];

export type UserStatus = 'pending' | 'verified' | 'expired' | 'suspended';
export type UserStatusFilter = UserStatus | 'all';

export interface PersonRef {
  id: string;
  name: string;
}

export interface Verification {
  verifiedAt: string;
  verifiedBy: PersonRef;
  identityCheckedBy: string;
  identityCheckedOn: string;
  vettingCheckedOn: string;
  trainingCompletedOn: string;
  expiresOn: string;
}

export interface Suspension {
  at: string;
  by: PersonRef;
  reason: string;
}

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  agencyId: string | null;
  agencyName: string | null;
  status: UserStatus;
  mfaEnrolled: boolean;
  verification: Verification | null;
  suspension: Suspension | null;
  createdAt: string;
}

export interface SharingReason {
  code: string;
  message: string;
}

export interface Sharing {
  allowed: boolean;
  reasons: SharingReason[];
}

export type SessionStage = 'mfa_required' | 'enrolment_required' | 'active';

export interface Session {
  stage: SessionStage;
  user: User;
  sharing: Sharing;
}

export interface Enrolment {
  otpauthUri: string;
  qrSvg: string;
  secret: string;
}

export interface DirectoryAgency {
  id: string;
  name: string;
  kind: AgencyKind;
  protocolSigned: boolean;
}

export interface Agency {
  id: string;
  name: string;
  kind: AgencyKind;
  contactEmail: string | null;
  protocolSigned: boolean;
  protocolSignedOn: string | null;
  createdAt: string;
}

export interface InviteDetails {
  email: string;
  agencyName: string;
  role: Role;
  expiresAt: string;
}

export interface CreatedInvite {
  invite: { id: string; email: string; role: Role; agencyId: string; expiresAt: string };
  token: string;
  url: string;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: PersonRef | null;
  agencyId: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  detail: Record<string, unknown>;
}

export interface AuditVerifyResult {
  ok: boolean;
  checked: number;
  problem?: { seq: number; kind: 'modified' | 'inserted' | 'deleted'; message: string };
}

export interface VerifyUserBody {
  role: Role;
  identityCheckedBy: string;
  identityCheckedOn: string;
  vettingCheckedOn: string;
  trainingCompletedOn: string;
}
