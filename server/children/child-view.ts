import { userNames } from '../accounts/accounts.store';
import type { Database } from '../db';
import { activeContacts, agencyNames, openConcerns, openInvolvements, type ChildRow } from './children.store';

export type Access = 'involved' | 'stated_reason' | 'override';

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
}

/**
 * The full entry as a practitioner sees it. Shielded specialist contacts are included only
 * when the session overrode the child's shield; involvement shows the agency and its contact,
 * never why it is involved.
 */
export async function buildChildView(db: Database, child: ChildRow, options: { access: Access; overridden: boolean }): Promise<ChildView> {
  const [involved, concerns, contacts] = await Promise.all([openInvolvements(db, child.id), openConcerns(db, child.id), activeContacts(db, child.id)]);
  const [names, agenciesById] = await Promise.all([userNames(db, [child.lastVerifiedBy]), agencyNames(db, [child.sourceAgencyId])]);
  return {
    id: child.id,
    name: child.name,
    dateOfBirth: child.dateOfBirth,
    gender: child.gender,
    address: child.address,
    postcode: child.postcode,
    parents: child.parents,
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
      .filter((c) => c.shieldedAt === null || options.overridden)
      .map((c) => ({ id: c.id, service: c.service, contact: c.contact, shielded: c.shieldedAt !== null })),
    access: options.access,
  };
}
