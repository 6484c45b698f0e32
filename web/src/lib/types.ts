// Shapes of the REST contract in docs/api.md. Where the server declares a view type, it is
// imported type-only (erased at build time, so no server code reaches the bundle); only
// client-side shapes and the constants the client needs at run time are declared here.
import type { z } from 'zod';
import type { SessionView } from '../../../server/accounts/session-view';
import type { UserView } from '../../../server/accounts/user-view';
import type { verifyBody } from '../../../server/accounts/accounts.schema';
import type { AgencyView } from '../../../server/agencies/agencies.schema';
import type { AuditEntryView } from '../../../server/audit/audit.service';
import type { AuditVerification } from '../../../server/audit/verify-trail';
import type { Access, ChildView } from '../../../server/children/child-view';
import type { createChildBody } from '../../../server/children/children.schema';
import type { SearchResult } from '../../../server/children/children.service';
import type { RecentChild as RecentChildView } from '../../../server/children/recent.service';
import type { LeadAdminView, LeadView, LedChild as LedChildView } from '../../../server/children/lead-practitioner.service';
import type { MultiAgencyEntryView } from '../../../server/shares/multi-agency-chronology.service';
import type { AlertView } from '../../../server/children/shielding.service';
import type { Role as ServerRole, UserStatus as ServerUserStatus } from '../../../server/policy/types';
import type { PersonView } from '../../../server/accounts/directory.service';
import type { PublicKeysView } from '../../../server/keys/keys.service';
import type { ObligationView, escalations, myNotices } from '../../../server/offending/obligations.service';
import type { openSpecialFile } from '../../../server/offending/offending.service';
import type { RetentionResult, retentionRuns } from '../../../server/retention/retention.service';
import type { RetentionRule } from '../../../server/retention/schedule';
import type { MailSetup as MailSetupView } from '../../../server/notifications/mail-setup';
import type { ShareEntryView } from '../../../server/shares/share-view';
import type { RequestView } from '../../../server/subject-access/subject-access.service';
import type { ThreadView } from '../../../server/shares/threads.service';
import type { RetentionProgress, SyncedMessage } from '../../../server/realtime/events';
import type { KeyBackup, KeyLogEntry, SignedTreeHead } from '../../../crypto';
import type { ShareRecord } from '../../../server/shares/share-record';
import type { decisionBody, decisionRecord, participant, verbalShareBody } from '../../../server/shares/shares.schema';

export type Role = ServerRole;
export type UserStatus = ServerUserStatus;
export type User = UserView;
export type Session = SessionView;
export type SessionStage = Session['stage'];
export type Sharing = Session['sharing'];
export type SharingReason = Sharing['reasons'][number];
export type Verification = NonNullable<User['verification']>;
export type Suspension = NonNullable<User['suspension']>;
export type Agency = AgencyView;
export type AgencyKind = Agency['kind'];
export type AuditEntry = AuditEntryView;
export type AuditVerifyResult = AuditVerification;
export type VerifyUserBody = z.input<typeof verifyBody>;

export type Child = ChildView;
export type ChildAccess = Access;
export type ChildSearchResult = SearchResult;
export type ChildSummary = SearchResult['children'][number];
export type RecentChild = RecentChildView;
export type LeadAppointment = LeadView;
export type LeadAdmin = LeadAdminView;
export type LedChild = LedChildView;
export type NewChildBody = z.input<typeof createChildBody>;
export type ChildGender = Child['gender'];
export type ParentRelationship = Child['parents'][number]['relationship'];
export type AdminAlert = AlertView;
export type MailSetup = MailSetupView;

export type Person = PersonView;
export type PublicKeys = PublicKeysView;
export type ShareEntry = ShareEntryView;
/** An entry of the multi-agency chronology (the lead practitioner's): whether the reader took part, and whether it has a summary. */
export type MultiAgencyEntry = MultiAgencyEntryView;
/** Whose entries a chronology shows: the reader's own, or every agency's (lead practitioner only). */
export type ChronologyScope = 'mine' | 'all';
export type Thread = ThreadView;
export type { SyncedMessage, KeyBackup, SignedTreeHead };
/** `childName` comes with the officer's own list (`GET /api/obligations/mine`), where policy lets them see it. */
export type Obligation = ObligationView & { childName?: string | null };
export type EscalatedObligation = Awaited<ReturnType<typeof escalations>>[number];
export type Notice = Awaited<ReturnType<typeof myNotices>>[number];
export type SpecialFile = Awaited<ReturnType<typeof openSpecialFile>>;
/** A message as `GET /api/threads/:id` lists it; receipts come only with the viewer's own messages. */
export type ThreadMessage = Pick<SyncedMessage, 'id' | 'senderId' | 'storedAt' | 'envelope' | 'revoked'> & {
  receipts?: Receipts | null;
  /** Key grants for readers a written record waited for (checked before use, crypto/key-grant.ts). */
  keyGrants?: Record<string, unknown>[];
};
/** Who has received and who has opened a message the viewer sent. */
export interface Receipts {
  delivered: string[];
  read: string[];
}
export interface KeyLogProof {
  entry: KeyLogEntry;
  index: number;
  proof: string[];
  head: SignedTreeHead;
}
export type ShareKind = ShareEntry['kind'];
export type { RetentionProgress, RetentionResult, RetentionRule };
export type RetentionRun = Awaited<ReturnType<typeof retentionRuns>>[number];
export type SubjectAccessRequest = RequestView;
export type Requester = RequestView['requestedBy'];
export type ParticipantBody = z.input<typeof participant>;
export type VerbalShareBody = z.input<typeof verbalShareBody>;
export type DecisionBody = z.input<typeof decisionBody>;
/** What each kind of entry keeps in `record` (the server types it loosely, as stored JSON). */
export type VerbalRecord = ShareRecord;
export type DecisionRecord = z.output<typeof decisionRecord>;
export interface ReopenRecord {
  reopens: string;
  reason: string;
}

/** One radio or checkbox: its value, the words shown, and optional help read with it. */
export interface ChoiceOption {
  value: string;
  label: string;
  help?: string;
}

// Run-time lists for the client's forms; `satisfies` keeps them in step with the server's types.
export const ROLES = ['practitioner', 'designated_officer', 'agency_admin', 'system_admin'] as const satisfies readonly Role[];

export const AGENCY_KINDS = [
  'children_social_care',
  'police',
  'health',
  'education',
  'youth_offending',
  'voluntary',
  'other',
] as const satisfies readonly AgencyKind[];

export const CHILD_GENDERS = ['female', 'male', 'other', 'not_recorded'] as const satisfies readonly ChildGender[];

export const PARENT_RELATIONSHIPS = ['mother', 'father', 'parental_responsibility', 'carer'] as const satisfies readonly ParentRelationship[];

export type UserStatusFilter = UserStatus | 'all';

/** Roles that may shield, unshield and override a shield (the server decides; this only hides controls). */
export const SHIELD_ROLES: readonly Role[] = ['designated_officer', 'agency_admin', 'system_admin'];

// Answers the server builds inline in its routes, with no named type to import.

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

/** An entry offered instead of adding a child who may already be on the index (409 `possible_duplicate`). */
export interface PossibleDuplicate {
  id: string;
  name: string;
  dateOfBirth: string;
  postcodeDistrict: string;
}
