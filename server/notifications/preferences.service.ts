import type { SignedIn } from '../accounts/session-view';
import { findAgency } from '../agencies';
import { appendAuditEntries } from '../audit';
import { NotFoundError } from '../errors';
import { canManageNotificationDefaults, canSetOwnNotificationPreferences, requireAllowed } from '../policy';
import type { ServiceContext } from '../shared/context';
import { parseInput } from '../shared/parse-input';
import { MAIL_KINDS } from './mail-content';
import { INSTALLATION_DEFAULTS, INSTALLATION_TIME_ZONE, canTurnOff, effectivePreferences, heldInQuietHours } from './preference-rules';
import { preferencesBody, type AgencyDefaultsView, type PreferencesView } from './preferences.schema';
import { agencyDefaultsOf, clearAgencyDefaults, clearOwnPreferences, preferencesOf, saveAgencyDefaults, saveOwnPreferences } from './preferences.store';

const ALWAYS_SENT = MAIL_KINDS.filter((kind) => !canTurnOff(kind) && kind !== 'invitation');
const THROUGH_QUIET_HOURS = MAIL_KINDS.filter((kind) => !heldInQuietHours(kind) && kind !== 'invitation');

export async function myPreferences(ctx: ServiceContext, signedIn: SignedIn): Promise<PreferencesView> {
  requireAllowed(canSetOwnNotificationPreferences(signedIn.actor));
  const { own, agency } = await preferencesOf(ctx.db, signedIn.actor.id);
  return {
    own,
    defaults: agency ?? INSTALLATION_DEFAULTS,
    agencySetDefaults: agency !== null,
    effective: effectivePreferences(own, agency),
    timeZone: INSTALLATION_TIME_ZONE,
    alwaysSent: ALWAYS_SENT,
    throughQuietHours: THROUGH_QUIET_HOURS,
  };
}

/** Saves the person's own choices, or (null) goes back to their agency's defaults; audited. */
export async function setMyPreferences(ctx: ServiceContext, signedIn: SignedIn, body: unknown): Promise<PreferencesView> {
  requireAllowed(canSetOwnNotificationPreferences(signedIn.actor));
  const { preferences } = parseInput(preferencesBody, body);
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    if (preferences) await saveOwnPreferences(tx, signedIn.actor.id, preferences, now);
    else await clearOwnPreferences(tx, signedIn.actor.id);
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: signedIn.actor.agencyId,
          action: 'account.notification_preferences_set',
          subjectType: 'user',
          subjectId: signedIn.actor.id,
          detail: { preferences },
        },
      ],
      now,
    );
  });
  return myPreferences(ctx, signedIn);
}

async function requireAgency(ctx: ServiceContext, agencyId: string): Promise<void> {
  if (!(await findAgency(ctx.db, agencyId))) throw new NotFoundError('agency_not_found', 'There is no such agency.');
}

export async function agencyDefaults(ctx: ServiceContext, signedIn: SignedIn, agencyId: string): Promise<AgencyDefaultsView> {
  requireAllowed(canManageNotificationDefaults(signedIn.actor, agencyId));
  await requireAgency(ctx, agencyId);
  const defaults = await agencyDefaultsOf(ctx.db, agencyId);
  return { agencyId, defaults, effective: defaults ?? INSTALLATION_DEFAULTS, timeZone: INSTALLATION_TIME_ZONE };
}

/** An agency admin sets (or, null, removes) the defaults for the agency's people who have not chosen; audited. */
export async function setAgencyDefaults(ctx: ServiceContext, signedIn: SignedIn, agencyId: string, body: unknown): Promise<AgencyDefaultsView> {
  requireAllowed(canManageNotificationDefaults(signedIn.actor, agencyId));
  const { preferences } = parseInput(preferencesBody, body);
  await requireAgency(ctx, agencyId);
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    if (preferences) await saveAgencyDefaults(tx, agencyId, preferences, signedIn.actor.id, now);
    else await clearAgencyDefaults(tx, agencyId);
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: signedIn.actor.agencyId,
          action: 'agency.notification_defaults_set',
          subjectType: 'agency',
          subjectId: agencyId,
          detail: { preferences },
        },
      ],
      now,
    );
  });
  return agencyDefaults(ctx, signedIn, agencyId);
}
