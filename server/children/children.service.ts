import type { z } from 'zod';
import type { SignedIn } from '../accounts/session-view';
import { appendAuditEntries } from '../audit';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { canContributeToIndex, canReadIndex, canVerifyEntryDetails, requireAllowed, type AgencyFacts } from '../policy';
import { pastIndexAge, pastIndexAgeReason } from '../retention/schedule';
import { localDate } from '../shared/clock';
import type { ServiceContext } from '../shared/context';
import { buildChildView, type ChildView, type Viewer } from './child-view';
import type { createChildBody, searchQuery } from './children.schema';
import {
  findChild,
  findPossibleDuplicates,
  hasOverride,
  insertChild,
  insertConcern,
  insertInvolvement,
  openInvolvements,
  searchChildren,
  updateChild,
  type ChildRow,
} from './children.store';
import { nameKey, outwardCode, postcodeKey } from './normalise';

export function agencyOf(signedIn: SignedIn): AgencyFacts | null {
  const agency = signedIn.record.agency;
  return agency && { id: agency.id, protocolSigned: agency.protocolSigned };
}

export interface SearchResult {
  total: number;
  children: { id: string; name: string; dateOfBirth: string; postcodeDistrict: string; sourceAgencyName: string; myAgencyInvolved: boolean }[];
}

const SEARCH_LIMIT = 25;

/** Searching is audited with its terms and the ids it returned. */
export async function searchIndex(ctx: ServiceContext, signedIn: SignedIn, query: z.infer<typeof searchQuery>): Promise<SearchResult> {
  requireAllowed(canReadIndex(signedIn.actor));
  const hits = await searchChildren(
    ctx.db,
    { nameKey: query.name ? nameKey(query.name) : undefined, dateOfBirth: query.dateOfBirth, postcodeKey: query.postcode },
    { sessionTokenHash: signedIn.tokenHash, agencyId: signedIn.actor.agencyId },
    SEARCH_LIMIT,
  );
  await appendAuditEntries(
    ctx.db,
    [
      {
        actorId: signedIn.actor.id,
        agencyId: signedIn.actor.agencyId,
        action: 'child.searched',
        detail: { returned: hits.map((h) => h.id) },
        privateDetail: { detail: { terms: { ...query } }, childIds: hits.map((h) => h.id) },
      },
    ],
    ctx.clock(),
  );
  return {
    total: hits[0]?.total ?? 0,
    children: hits.map((h) => ({
      id: h.id,
      name: h.name,
      dateOfBirth: h.dateOfBirth,
      postcodeDistrict: outwardCode(h.postcodeKey),
      sourceAgencyName: h.sourceAgencyName,
      myAgencyInvolved: h.myAgencyInvolved,
    })),
  };
}

/** A child as read for this session: the row (if any) and whether the session overrode its shield. */
export interface ChildRead {
  child: ChildRow | undefined;
  override: boolean;
}

/** The child and whether this session overrides its shield, read at once; `requireVisible` judges them. */
async function readChild(ctx: ServiceContext, signedIn: SignedIn, childId: string): Promise<ChildRead> {
  // Both at once: the override is read whether or not the child exists, and only used if it does.
  const [child, override] = await Promise.all([findChild(ctx.db, childId), hasOverride(ctx.db, signedIn.tokenHash, childId)]);
  return { child, override };
}

/** A delisted child, or a shielded one without this session's override, is not there at all. */
export function requireVisible({ child, override }: ChildRead): { child: ChildRow; overridden: boolean } {
  const overridden = Boolean(child) && override;
  if (!child || child.delistedAt || (child.shieldedAt && !overridden)) {
    throw new NotFoundError('child_not_found', 'There is no child on the index with this identifier.');
  }
  return { child, overridden };
}

/**
 * A child this session may see: indexed, and not shielded unless this session overrode the
 * shield. Anything else is "not found", so a shielded entry's existence is not revealed.
 */
export async function visibleChild(ctx: ServiceContext, signedIn: SignedIn, childId: string): Promise<{ child: ChildRow; overridden: boolean }> {
  return requireVisible(await readChild(ctx, signedIn, childId));
}

export function viewerOf(signedIn: SignedIn): Viewer {
  return { id: signedIn.actor.id, agencyId: signedIn.actor.agencyId, role: signedIn.actor.role, sessionTokenHash: signedIn.tokenHash };
}

/** The entry as it now stands, for answering an action; null once the child has left the index. */
export async function childViewAfter(ctx: ServiceContext, signedIn: SignedIn, childId: string): Promise<ChildView | null> {
  const child = await findChild(ctx.db, childId);
  if (!child || child.delistedAt) return null;
  return buildChildView(ctx.db, child, viewerOf(signedIn));
}

/** Opening an entry always needs a stated reason, which the audit log keeps. */
export async function openChild(ctx: ServiceContext, signedIn: SignedIn, childId: string, reason: string): Promise<ChildView> {
  requireAllowed(canReadIndex(signedIn.actor));
  const { child } = await visibleChild(ctx, signedIn, childId);
  const view = await buildChildView(ctx.db, child, viewerOf(signedIn));
  const access = view.access;
  await appendAuditEntries(
    ctx.db,
    [
      {
        actorId: signedIn.actor.id,
        agencyId: signedIn.actor.agencyId,
        action: 'child.opened',
        subjectType: 'child',
        subjectId: childId,
        detail: { access },
        privateDetail: { detail: { reason }, childIds: [childId] },
      },
    ],
    ctx.clock(),
  );
  return view;
}

export class PossibleDuplicateError extends ConflictError {
  constructor(duplicates: { id: string; name: string; dateOfBirth: string; postcodeDistrict: string }[]) {
    super('possible_duplicate', 'This child may already be on the index. Open the existing entry, or confirm this is a different child.');
    this.extra = { duplicates };
  }
}

/** Adds a child, after a duplicate check; the creator's agency becomes involved or raises a concern. */
export async function createChild(ctx: ServiceContext, signedIn: SignedIn, input: z.infer<typeof createChildBody>): Promise<ChildView> {
  requireAllowed(canContributeToIndex(signedIn.actor, agencyOf(signedIn)));
  const agencyId = signedIn.actor.agencyId;
  if (!agencyId) throw new Error('policy allowed an actor without an agency');
  // Before anything else: the retention run would destroy this entry today (DESIGN §1, records destroyed at 19).
  const ageYears = ctx.config.HAVEN_RETENTION_INDEX_AGE_YEARS;
  if (pastIndexAge(input.dateOfBirth, localDate(ctx.clock()), ageYears)) {
    const reason = pastIndexAgeReason(ageYears);
    throw new ValidationError(reason.message, [{ path: 'dateOfBirth', message: reason.field }], 'past_retention_age');
  }
  const keys = { nameKey: nameKey(input.name), postcodeKey: postcodeKey(input.postcode) };
  if (!input.confirmNotDuplicate) {
    const duplicates = await findPossibleDuplicates(ctx.db, { ...keys, dateOfBirth: input.dateOfBirth, address: input.address }, signedIn.tokenHash);
    if (duplicates.length) {
      throw new PossibleDuplicateError(
        duplicates.map((d) => ({ id: d.id, name: d.name, dateOfBirth: d.dateOfBirth, postcodeDistrict: outwardCode(d.postcodeKey) })),
      );
    }
  }
  const now = ctx.clock();
  const { basis, confirmNotDuplicate: _confirmed, ...details } = input;
  const child = await ctx.db.transaction(async (tx) => {
    const row = await insertChild(tx, {
      ...details,
      schoolOrSetting: details.schoolOrSetting ?? null,
      gp: details.gp ?? null,
      healthVisitor: details.healthVisitor ?? null,
      ...keys,
      sourceAgencyId: agencyId,
      createdBy: signedIn.actor.id,
      createdAt: now,
      lastVerifiedAt: now,
      lastVerifiedBy: signedIn.actor.id,
    });
    if (basis === 'involved') await insertInvolvement(tx, { childId: row.id, agencyId, startedBy: signedIn.actor.id, startedAt: now });
    else await insertConcern(tx, { childId: row.id, agencyId, raisedBy: signedIn.actor.id, raisedAt: now });
    await appendAuditEntries(
      tx,
      [
        { actorId: signedIn.actor.id, agencyId, action: 'child.created', subjectType: 'child', subjectId: row.id, detail: { basis } },
        {
          actorId: signedIn.actor.id,
          agencyId,
          action: basis === 'involved' ? 'involvement.recorded' : 'concern.raised',
          subjectType: 'child',
          subjectId: row.id,
        },
      ],
      now,
    );
    return row;
  });
  return buildChildView(ctx.db, child, viewerOf(signedIn));
}

/** "These details are still right": moves the entry's last-verified date on. */
export async function confirmChildDetails(ctx: ServiceContext, signedIn: SignedIn, childId: string): Promise<ChildView> {
  const { child } = await visibleChild(ctx, signedIn, childId);
  const involvedAgencyIds = (await openInvolvements(ctx.db, childId)).map((i) => i.agency.id);
  requireAllowed(canVerifyEntryDetails(signedIn.actor, agencyOf(signedIn), { sourceAgencyId: child.sourceAgencyId, involvedAgencyIds }));
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    await updateChild(tx, childId, { lastVerifiedAt: now, lastVerifiedBy: signedIn.actor.id });
    await appendAuditEntries(
      tx,
      [{ actorId: signedIn.actor.id, agencyId: signedIn.actor.agencyId, action: 'child.details_confirmed', subjectType: 'child', subjectId: childId }],
      now,
    );
  });
  return buildChildView(ctx.db, { ...child, lastVerifiedAt: now, lastVerifiedBy: signedIn.actor.id }, viewerOf(signedIn));
}
