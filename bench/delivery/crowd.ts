import { hashPassword, hashToken, randomToken } from '../../crypto';
import { insertUser, insertVerification } from '../../server/accounts/accounts.store';
import { newTotpSecret } from '../../server/accounts/totp';
import { verificationExpiresOn } from '../../server/accounts/verification-rules';
import { insertChild, insertInvolvement } from '../../server/children/children.store';
import { nameKey, postcodeKey } from '../../server/children/normalise';
import type { Config } from '../../server/config';
import type { Database } from '../../server/db';
import { agencies, sessions } from '../../server/db/schema';
import { seedDemo } from '../../server/demo/seed';
import { addMonths, localDate } from '../../server/shared/clock';
import { silentNotifier } from '../../server/shared/context';

export interface CrowdMember {
  userId: string;
  /** The session cookie's token: the member is signed in without the (deliberately slow) password check. */
  token: string;
}

/**
 * `size` verified practitioners in the demo county's two signing agencies, each with a live
 * session, and `childCount` children both agencies are involved with. Written straight to the
 * database: signing 1,000 people in through Argon2id would take minutes and measure nothing the
 * delivery benchmark is about.
 */
export async function seedCrowd(db: Database, config: Config, size: number, childCount: number): Promise<{ members: CrowdMember[]; childIds: string[] }> {
  const now = new Date();
  await seedDemo({ db, config, clock: () => now, notifier: silentNotifier });
  const signing = (await db.select().from(agencies)).filter((a) => a.protocolSigned);
  const creator = signing[0];
  if (!creator || signing.length < 2) throw new Error('the demo county should have two agencies that signed the protocol');
  const passwordHash = hashPassword(randomToken());
  const today = localDate(now);
  const recent = addMonths(today, -1);
  const dates = { identityCheckedOn: recent, vettingCheckedOn: recent, trainingCompletedOn: recent };
  const expiresOn = verificationExpiresOn(dates, { vettingMonths: config.HAVEN_VETTING_RENEWAL_MONTHS, trainingMonths: config.HAVEN_TRAINING_RENEWAL_MONTHS });
  const members: CrowdMember[] = [];
  const childIds: string[] = [];
  await db.transaction(async (tx) => {
    for (let i = 0; i < size; i += 1) {
      const agency = signing[i % signing.length] ?? creator;
      const user = await insertUser(tx, {
        email: `bench.${i}@bench.northmoor.example`,
        name: `Bench Practitioner ${i}`,
        agencyId: agency.id,
        role: 'practitioner',
        passwordHash,
        totpSecret: newTotpSecret(),
        totpEnrolledAt: now,
        registeredVia: 'seed',
        createdAt: now,
      });
      await insertVerification(tx, {
        userId: user.id,
        verifiedBy: user.id,
        verifiedAt: now,
        role: 'practitioner',
        identityCheckedBy: 'Benchmark seed',
        ...dates,
        expiresOn,
      });
      const token = randomToken();
      await tx
        .insert(sessions)
        .values({ tokenHash: hashToken(token), userId: user.id, stage: 'active', createdAt: now, expiresAt: new Date(now.getTime() + 86_400_000) });
      members.push({ userId: user.id, token });
    }
    const firstMember = members[0];
    if (!firstMember) throw new Error('the crowd is empty');
    for (let i = 0; i < childCount; i += 1) {
      const child = await insertChild(tx, {
        name: `Bench Child ${i}`,
        nameKey: nameKey(`Bench Child ${i}`),
        dateOfBirth: addMonths(today, -12 * 10),
        gender: 'not_recorded',
        address: `${i} Bench Road, Northmoor`,
        postcode: 'NM1 1BB',
        postcodeKey: postcodeKey('NM1 1BB'),
        parents: [],
        sourceAgencyId: creator.id,
        createdBy: firstMember.userId,
        createdAt: now,
        lastVerifiedAt: now,
        lastVerifiedBy: firstMember.userId,
      });
      for (const agency of signing) await insertInvolvement(tx, { childId: child.id, agencyId: agency.id, startedBy: firstMember.userId, startedAt: now });
      childIds.push(child.id);
    }
  });
  return { members, childIds };
}
