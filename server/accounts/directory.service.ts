import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { SignedIn } from './session-view';
import { agencies, userKeys, users, verifications } from '../db/schema';
import { canReadIndex, requireAllowed } from '../policy';
import { localDate } from '../shared/clock';
import type { ServiceContext } from '../shared/context';

export interface PersonView {
  id: string;
  name: string;
  role: string;
  agencyId: string;
  agencyName: string;
  hasKeys: boolean;
}

/**
 * People information can be shared with: verified, unsuspended users of agencies that signed
 * the protocol, found by name. Used to pick participants; policy still checks each share.
 */
export async function findPeople(ctx: ServiceContext, signedIn: SignedIn, name: string): Promise<PersonView[]> {
  requireAllowed(canReadIndex(signedIn.actor));
  const today = localDate(ctx.clock());
  const currentVerification = sql`(select v.expires_on from ${verifications} v where v.user_id = ${users.id} order by v.verified_at desc limit 1)`;
  const rows = await ctx.db
    .select({ id: users.id, name: users.name, role: users.role, agencyId: agencies.id, agencyName: agencies.name, keys: userKeys.userId })
    .from(users)
    .innerJoin(agencies, eq(agencies.id, users.agencyId))
    .leftJoin(userKeys, eq(userKeys.userId, users.id))
    .where(
      and(
        eq(agencies.protocolSigned, true),
        isNull(users.suspendedAt),
        sql`${currentVerification} > ${today}`,
        sql`${users.name} ilike ${`%${name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`,
      ),
    )
    .orderBy(asc(users.name))
    .limit(20);
  return rows.map(({ keys, ...person }) => ({ ...person, hasKeys: keys !== null }));
}
