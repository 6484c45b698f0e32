import { userNames } from '../accounts/accounts.store';
import type { Database } from '../db';
import { caseOfficerIds } from '../offending/offending.store';
import { activeContacts, agencyNames, hasOverride, openConcerns, openInvolvements, type ChildRow } from './children.store';
import { currentLead } from './lead-practitioner.store';

/** Why this viewer may see the entry: an override of a shield, their agency's involvement, their agency holding the entry, or a stated reason. */
export type Access = 'override' | 'involved' | 'source_agency' | 'stated_reason';

export interface ChildView {
  id: string;
  name: string;
  dateOfBirth: string;
  gender: ChildRow['gender'];
  address: string;
  postcode: string;
  parents: ChildRow['parents'];
  schoolOrSetting: string | null;
  gp: string | null;
  healthVisitor: string | null;
  sourceAgency: { id: string; name: string };
  lastVerifiedAt: string;
  lastVerifiedBy: { id: string; name: string };
  shielded: boolean;
  involvements: { id: string; agency: { id: string; name: string; contactEmail: string | null }; since: string }[];
  concerns: { id: string; agency: { id: string; name: string }; raisedBy: { id: string; name: string }; raisedAt: string }[];
  specialistContacts: { id: string; service: string; contact: string; shielded: boolean }[];
  access: Access;
  /** Whether a designated officer has marked the child as at risk of offending; shown to designated officers only (null for others). */
  offendingRisk: boolean | null;
  /**
   * For designated officers only (null for others): whether the child has a case in the special
   * file, and whether this officer is on it. Only officers on an existing case may mark, unmark
   * or open it, so the screen can say why instead of offering what would be refused.
   */
  offendingCase: { exists: boolean; onCase: boolean } | null;
  /**
   * The child's lead practitioner, named like the agencies involved (the reason for the appointment
   * is for the appointing agency's admins: `GET /api/children/:id/lead-practitioner`).
   * `agencyInvolved` is false once their agency no longer serves the child: the appointment then
   * gives no access until that agency's admin ends or changes it.
   */
  leadPractitioner: { user: { id: string; name: string }; agency: { id: string; name: string }; since: string; agencyInvolved: boolean } | null;
}

export interface Viewer {
  id: string;
  agencyId: string | null;
  role: string;
  sessionTokenHash: string;
}

/**
 * The full entry as this viewer sees it. Shielded specialist contacts are included only when
 * the viewer's session overrode the child's shield; involvement shows the agency and its
 * contact, never why it is involved.
 */
export async function buildChildView(db: Database, child: ChildRow, viewer: Viewer): Promise<ChildView> {
  const officer = viewer.role === 'designated_officer';
  const [involved, concerns, contacts, overridden, officers, lead] = await Promise.all([
    openInvolvements(db, child.id),
    openConcerns(db, child.id),
    activeContacts(db, child.id),
    hasOverride(db, viewer.sessionTokenHash, child.id),
    officer ? caseOfficerIds(db, child.id) : Promise.resolve([]),
    currentLead(db, child.id),
  ]);
  const anythingShielded = child.shieldedAt !== null || contacts.some((c) => c.shieldedAt !== null);
  const access: Access =
    overridden && anythingShielded
      ? 'override'
      : involved.some((i) => i.agency.id === viewer.agencyId)
        ? 'involved'
        : child.sourceAgencyId === viewer.agencyId
          ? 'source_agency'
          : 'stated_reason';
  const [names, agenciesById] = await Promise.all([userNames(db, [child.lastVerifiedBy]), agencyNames(db, [child.sourceAgencyId])]);
  return {
    id: child.id,
    name: child.name,
    dateOfBirth: child.dateOfBirth,
    gender: child.gender,
    address: child.address,
    postcode: child.postcode,
    // A protected third party's identity goes no further than the agency that holds the record.
    parents: child.parents.map((p) =>
      p.protectIdentity && viewer.agencyId !== child.sourceAgencyId
        ? { name: 'Identity protected', relationship: p.relationship, contact: null, protectIdentity: true }
        : p,
    ),
    schoolOrSetting: child.schoolOrSetting,
    gp: child.gp,
    healthVisitor: child.healthVisitor,
    sourceAgency: { id: child.sourceAgencyId, name: agenciesById.get(child.sourceAgencyId) ?? 'Unknown agency' },
    lastVerifiedAt: child.lastVerifiedAt.toISOString(),
    lastVerifiedBy: { id: child.lastVerifiedBy, name: names.get(child.lastVerifiedBy) ?? 'Unknown user' },
    shielded: child.shieldedAt !== null,
    involvements: involved.map(({ involvement, agency }) => ({ id: involvement.id, agency, since: involvement.startedAt.toISOString() })),
    concerns: concerns.map(({ concern, raisedByName, agencyName }) => ({
      id: concern.id,
      agency: { id: concern.agencyId, name: agencyName },
      raisedBy: { id: concern.raisedBy, name: raisedByName },
      raisedAt: concern.raisedAt.toISOString(),
    })),
    specialistContacts: contacts
      .filter((c) => c.shieldedAt === null || overridden)
      .map((c) => ({ id: c.id, service: c.service, contact: c.contact, shielded: c.shieldedAt !== null })),
    access,
    offendingRisk: officer ? child.offendingRiskMarkedAt !== null : null,
    offendingCase: officer ? { exists: officers.length > 0, onCase: officers.includes(viewer.id) } : null,
    leadPractitioner: lead && {
      user: { id: lead.appointment.userId, name: lead.userName },
      agency: { id: lead.appointment.agencyId, name: lead.agencyName },
      since: lead.appointment.appointedAt.toISOString(),
      agencyInvolved: lead.agencyInvolved,
    },
  };
}
