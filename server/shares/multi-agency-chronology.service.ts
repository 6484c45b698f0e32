import type { SignedIn } from '../accounts/session-view';
import { appendAuditEntries } from '../audit';
import { visibleChild } from '../children/children.service';
import { latestAppointmentOf } from '../children/lead-practitioner.store';
import { caseOfficerIds } from '../offending/offending.store';
import { canReadMultiAgencyChronology, canSeeInMultiAgencyChronology, requireAllowed } from '../policy';
import type { ServiceContext } from '../shared/context';
import { buildShareViews, type ShareEntryView } from './share-view';
import { sharesAboutChild, sharesForParty } from './shares.store';

/** An entry of the multi-agency chronology: a share entry, and whether the reader recorded it or took part. */
export interface MultiAgencyEntryView extends ShareEntryView {
  readerIsParty: boolean;
  /**
   * Whether the entry has a summary. It is sealed to the people who took part (docs/sealed-note.md),
   * so it is sent only to them (`summary`); anyone else learns only that there is one.
   */
  hasSummary: boolean;
}

const IDENTITY_PROTECTED = 'Identity protected';

/** What a reader who took no part in the entry sees of it: no sealed summary, protected people unnamed. */
function asSeenByOthers(view: ShareEntryView): MultiAgencyEntryView {
  return {
    ...view,
    summary: null,
    hasSummary: view.summary !== null,
    readerIsParty: false,
    participants: view.participants.map((p) => (p.protectIdentity ? { ...p, user: null, externalName: IDENTITY_PROTECTED } : p)),
  };
}

/**
 * The child's chronology across every agency, for their current lead practitioner: every share-log
 * entry about the child (verbal shares, decisions not to share, reopenings, corrections,
 * conversations started, people added), in the order they happened, within need-to-know — an
 * offending-risk entry only where the special file's rule lets this reader in, or they took part.
 * Each view is audited with the ids it returned; the reader's own chronology is unchanged.
 */
export async function multiAgencyChronology(ctx: ServiceContext, signedIn: SignedIn, childId: string): Promise<MultiAgencyEntryView[]> {
  const { actor } = signedIn;
  const appointment = await latestAppointmentOf(ctx.db, childId, actor.id);
  requireAllowed(
    canReadMultiAgencyChronology(
      actor,
      appointment && {
        agencyId: appointment.appointment.agencyId,
        ended: appointment.appointment.endedAt !== null,
        agencyInvolved: appointment.agencyInvolved,
      },
    ),
  );
  await visibleChild(ctx, signedIn, childId);
  const [rows, mine, officers] = await Promise.all([
    sharesAboutChild(ctx.db, childId),
    sharesForParty(ctx.db, childId, actor.id),
    caseOfficerIds(ctx.db, childId),
  ]);
  const party = new Set(mine.map((r) => r.id));
  const shown = rows.filter((row) => canSeeInMultiAgencyChronology(actor, { tier: row.tier, readerIsParty: party.has(row.id) }, officers).allow);
  await appendAuditEntries(
    ctx.db,
    [
      {
        actorId: actor.id,
        agencyId: actor.agencyId,
        action: 'child.multi_agency_chronology_viewed',
        subjectType: 'child',
        subjectId: childId,
        detail: { appointmentId: appointment?.appointment.id ?? null, returned: shown.map((r) => r.id) },
      },
    ],
    ctx.clock(),
  );
  const views = await buildShareViews(ctx.db, shown);
  return views.map((view) => (party.has(view.id) ? { ...view, readerIsParty: true, hasSummary: view.summary !== null } : asSeenByOthers(view)));
}
