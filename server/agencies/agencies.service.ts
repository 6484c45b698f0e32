import type { z } from 'zod';
import type { SignedIn } from '../accounts/session-view';
import { appendAuditEntries } from '../audit';
import { NotFoundError, ValidationError } from '../errors';
import { canManageAgencies, requireAllowed } from '../policy';
import { localDate } from '../shared/clock';
import type { ServiceContext } from '../shared/context';
import type { AgencyView, createAgencyBody, protocolBody } from './agencies.schema';
import { agencyExists, findAgencyByName, insertAgency, listAgencies, setProtocolSigning, type AgencyRow } from './agencies.store';

export function toAgencyView(row: AgencyRow): AgencyView {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    contactEmail: row.contactEmail,
    protocolSigned: row.protocolSigned,
    protocolSignedOn: row.protocolSignedOn,
    passkeyOnlySignIn: row.passkeyOnlySignIn,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The public directory for the registration form: names and signing status only. */
export async function agencyDirectory(ctx: ServiceContext): Promise<Pick<AgencyView, 'id' | 'name' | 'kind' | 'protocolSigned'>[]> {
  const rows = await listAgencies(ctx.db);
  return rows.map(({ id, name, kind, protocolSigned }) => ({ id, name, kind, protocolSigned }));
}

export async function listAllAgencies(ctx: ServiceContext, signedIn: SignedIn): Promise<AgencyView[]> {
  requireAllowed(canManageAgencies(signedIn.actor));
  return (await listAgencies(ctx.db)).map(toAgencyView);
}

export async function registerAgency(ctx: ServiceContext, signedIn: SignedIn, input: z.infer<typeof createAgencyBody>): Promise<AgencyView> {
  requireAllowed(canManageAgencies(signedIn.actor));
  if (await findAgencyByName(ctx.db, input.name)) throw agencyExists();
  const now = ctx.clock();
  const row = await ctx.db.transaction(async (tx) => {
    const agency = await insertAgency(tx, { name: input.name, kind: input.kind, contactEmail: input.contactEmail ?? null, createdAt: now });
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: agency.id,
          action: 'agency.registered',
          subjectType: 'agency',
          subjectId: agency.id,
          detail: { name: agency.name, kind: agency.kind },
        },
      ],
      now,
    );
    return agency;
  });
  return toAgencyView(row);
}

export async function recordProtocolSigning(
  ctx: ServiceContext,
  signedIn: SignedIn,
  agencyId: string,
  input: z.infer<typeof protocolBody>,
): Promise<AgencyView> {
  requireAllowed(canManageAgencies(signedIn.actor));
  const now = ctx.clock();
  const signedOn = input.signed ? input.signedOn : null;
  if (signedOn && signedOn > localDate(now)) {
    throw new ValidationError('The signing date cannot be in the future.', [{ path: 'signedOn', message: 'The signing date cannot be in the future' }]);
  }
  const row = await ctx.db.transaction(async (tx) => {
    const agency = await setProtocolSigning(tx, agencyId, signedOn);
    if (!agency) throw new NotFoundError('agency_not_found', 'That agency does not exist.');
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId,
          action: 'agency.protocol_recorded',
          subjectType: 'agency',
          subjectId: agencyId,
          detail: { signed: input.signed, signedOn },
        },
      ],
      now,
    );
    return agency;
  });
  return toAgencyView(row);
}
