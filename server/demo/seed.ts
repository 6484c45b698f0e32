import { hashPassword, randomToken } from '../../crypto';
import { countUsers, insertUser, insertVerification } from '../accounts/accounts.store';
import { newTotpSecret } from '../accounts/totp';
import { verificationExpiresOn } from '../accounts/verification-rules';
import { insertAgency } from '../agencies/agencies.store';
import { appendAuditEntries } from '../audit';
import type { Role } from '../policy';
import { addMonths, localDate } from '../shared/clock';
import type { ServiceContext } from '../shared/context';
import type { Database } from '../db';
import { insertChild, insertConcern, insertInvolvement } from '../children/children.store';
import { nameKey, postcodeKey } from '../children/normalise';
import { shareRecord } from '../shares/share-record';
import { insertShare } from '../shares/shares.store';

export interface DemoAccount {
  name: string;
  email: string;
  role: Role;
  agency: string | null;
  password: string;
  /** Base32 TOTP secret; null for the account left for an admin to verify (it enrols on first sign-in). */
  totpSecret: string | null;
  verified: boolean;
}

// A fictional county: no real people, places or contacts.
const AGENCIES = [
  {
    key: 'council',
    name: "Northmoor County Council Children's Services",
    kind: 'children_social_care',
    signed: true,
    contactEmail: 'isp@childrens.northmoor.example',
  },
  { key: 'police', name: 'Northmoor Constabulary', kind: 'police', signed: true, contactEmail: 'isp@police.northmoor.example' },
  { key: 'academy', name: 'Riverside Learning Trust', kind: 'education', signed: false, contactEmail: 'office@riverside-trust.example' },
] as const;

const PEOPLE = [
  { name: 'Sam Okafor', email: 'sam.okafor@haven.northmoor.example', role: 'system_admin', agency: null, verified: true },
  { name: 'Priya Natarajan', email: 'priya.natarajan@childrens.northmoor.example', role: 'agency_admin', agency: 'council', verified: true },
  { name: 'Jordan Ellis', email: 'jordan.ellis@childrens.northmoor.example', role: 'practitioner', agency: 'council', verified: true },
  { name: 'Morgan Reid', email: 'morgan.reid@police.northmoor.example', role: 'practitioner', agency: 'police', verified: true },
  { name: 'Ruth Adeyemi', email: 'ruth.adeyemi@childrens.northmoor.example', role: 'designated_officer', agency: 'council', verified: true },
  { name: 'Alex Carter', email: 'alex.carter@police.northmoor.example', role: 'designated_officer', agency: 'police', verified: true },
  { name: 'Taylor Brooks', email: 'taylor.brooks@childrens.northmoor.example', role: 'practitioner', agency: 'council', verified: false },
] as const;

// Fictional children in the fictional county; dates of birth are relative to today.
const CHILDREN = [
  {
    name: 'Lily Hartwell',
    ageYears: 9,
    gender: 'female',
    address: '14 Mill Lane, Northmoor',
    postcode: 'NM1 4QT',
    school: 'Northmoor Primary School',
    by: 'Jordan Ellis',
    basis: 'involved',
  },
  {
    name: 'Callum Byrne',
    ageYears: 15,
    gender: 'male',
    address: '3 Quarry Road, Eastfold',
    postcode: 'NM4 2LP',
    school: 'Eastfold Academy',
    by: 'Morgan Reid',
    basis: 'concern',
  },
  {
    name: 'Amara Osei',
    ageYears: 4,
    gender: 'female',
    address: 'Flat 2, 88 High Street, Northmoor',
    postcode: 'NM1 7HX',
    school: 'Little Acorns Nursery',
    by: 'Jordan Ellis',
    basis: 'involved',
  },
] as const;

/**
 * One share another agency made about Lily, so that her multi-agency chronology has something in
 * it that her council practitioner did not take part in: the police's designated officer told the
 * council's about a call-out. An agency admin can appoint Jordan as her lead practitioner and he
 * then sees it under "All agencies".
 */
const POLICE_SHARE = {
  child: 'Lily Hartwell',
  by: 'Alex Carter',
  to: 'Ruth Adeyemi',
  hoursAgo: 26,
  record: shareRecord.parse({
    consent: { status: 'not_sought', exemption: 'risk_of_significant_harm', exemptionDetail: 'Asking first would have delayed a same-day welfare check' },
    purpose: 'Tell children’s services about a police call-out to the family home',
    kindsOfInformation: ['safeguarding_concern', 'family_and_household'],
    article6Basis: 'public_task',
    specialCategory: false,
    legalGateway: 'children_act_2004_s11',
    necessityAndProportionality: 'Only the date of the call-out and that no one was hurt',
    childOrFamilyTold: { told: true },
  }),
} as const;

async function seedChildren(tx: Database, agencyIds: Map<string, string>, userIds: Map<string, string>, now: Date): Promise<void> {
  for (const c of CHILDREN) {
    const byId = userIds.get(c.by);
    const agencyKey = PEOPLE.find((p) => p.name === c.by)?.agency;
    const agencyId = agencyKey ? agencyIds.get(agencyKey) : undefined;
    if (!byId || !agencyId) throw new Error(`demo seed: unknown person ${c.by}`);
    const dateOfBirth = addMonths(localDate(now), -12 * c.ageYears - 3);
    const child = await insertChild(tx, {
      name: c.name,
      nameKey: nameKey(c.name),
      dateOfBirth,
      gender: c.gender,
      address: c.address,
      postcode: c.postcode,
      postcodeKey: postcodeKey(c.postcode),
      parents: [],
      schoolOrSetting: c.school,
      gp: 'Northmoor Health Centre',
      healthVisitor: null,
      sourceAgencyId: agencyId,
      createdBy: byId,
      createdAt: now,
      lastVerifiedAt: now,
      lastVerifiedBy: byId,
    });
    if (c.basis === 'involved') await insertInvolvement(tx, { childId: child.id, agencyId, startedBy: byId, startedAt: now });
    else await insertConcern(tx, { childId: child.id, agencyId, raisedBy: byId, raisedAt: now });
    if (c.name === POLICE_SHARE.child) await seedPoliceShare(tx, child.id, agencyIds, userIds, now);
  }
}

async function seedPoliceShare(tx: Database, childId: string, agencyIds: Map<string, string>, userIds: Map<string, string>, now: Date): Promise<void> {
  const [senderId, recipientId, police, council] = [
    userIds.get(POLICE_SHARE.by),
    userIds.get(POLICE_SHARE.to),
    agencyIds.get('police'),
    agencyIds.get('council'),
  ];
  const senderRole = PEOPLE.find((p) => p.name === POLICE_SHARE.by)?.role;
  if (!senderId || !recipientId || !police || !council || !senderRole) throw new Error('demo seed: the police share names someone unknown');
  const share = await insertShare(
    tx,
    {
      kind: 'verbal',
      childId,
      tier: 'welfare',
      senderId,
      senderAgencyId: police,
      senderRole,
      occurredAt: new Date(now.getTime() - POLICE_SHARE.hoursAgo * 3_600_000),
      recordedAt: now,
      record: POLICE_SHARE.record,
    },
    [{ userId: recipientId, agencyId: council }],
  );
  await appendAuditEntries(
    tx,
    [
      {
        actorId: senderId,
        agencyId: police,
        action: 'share.verbal_recorded',
        subjectType: 'child',
        subjectId: childId,
        detail: { shareId: share.id, kind: 'verbal', participants: 1 },
      },
    ],
    now,
  );
}

/**
 * Seeds the demo county: two agencies that signed the protocol and one that did not, and one
 * user of each kind, verified and enrolled in two-factor sign-in, plus one newly registered
 * practitioner waiting for verification. Refuses (returns null) when the database already has
 * users, so it can never touch real data.
 */
export async function seedDemo(
  ctx: ServiceContext,
  options: {
    /**
     * How the demo passwords are hashed: Argon2id at Haven's limits unless a caller says otherwise.
     * The test harness seeds a hundred installations a run and passes libsodium's minimum limits
     * (test/support/quick-password-hash.ts); sign-in reads the limits from the stored hash, so
     * the code under test is the same.
     */
    hashPassword?: (password: string) => string;
  } = {},
): Promise<DemoAccount[] | null> {
  const hash = options.hashPassword ?? hashPassword;
  if ((await countUsers(ctx.db)) > 0) return null;
  const now = ctx.clock();
  const today = localDate(now);
  const renewal = { vettingMonths: ctx.config.HAVEN_VETTING_RENEWAL_MONTHS, trainingMonths: ctx.config.HAVEN_TRAINING_RENEWAL_MONTHS };
  // Checked and trained recently, so the demo stays verified for a while.
  const recent = addMonths(today, -1);

  return ctx.db.transaction(async (tx) => {
    if ((await countUsers(tx)) > 0) return null;
    const agencyIds = new Map<string, string>();
    for (const a of AGENCIES) {
      const row = await insertAgency(tx, {
        name: a.name,
        kind: a.kind,
        contactEmail: a.contactEmail,
        protocolSigned: a.signed,
        protocolSignedOn: a.signed ? addMonths(today, -6) : null,
        createdAt: now,
      });
      agencyIds.set(a.key, row.id);
    }
    const accounts: DemoAccount[] = [];
    const userIds = new Map<string, string>();
    let systemAdminId: string | null = null;
    for (const person of PEOPLE) {
      const password = `demo-${randomToken().slice(0, 16)}`;
      const totpSecret = person.verified ? newTotpSecret() : null;
      const agencyId = person.agency ? (agencyIds.get(person.agency) ?? null) : null;
      const user = await insertUser(tx, {
        email: person.email,
        name: person.name,
        agencyId,
        role: person.role,
        passwordHash: hash(password),
        totpSecret,
        totpEnrolledAt: totpSecret ? now : null,
        registeredVia: 'seed',
        createdAt: now,
      });
      systemAdminId ??= user.id;
      userIds.set(person.name, user.id);
      if (person.verified) {
        const dates = { identityCheckedOn: recent, vettingCheckedOn: recent, trainingCompletedOn: recent };
        await insertVerification(tx, {
          userId: user.id,
          verifiedBy: systemAdminId,
          verifiedAt: now,
          role: person.role,
          identityCheckedBy: 'Demo seed',
          ...dates,
          expiresOn: verificationExpiresOn(dates, renewal),
        });
      }
      const agencyName = AGENCIES.find((a) => a.key === person.agency)?.name ?? null;
      accounts.push({ name: person.name, email: person.email, role: person.role, agency: agencyName, password, totpSecret, verified: person.verified });
    }
    await seedChildren(tx, agencyIds, userIds, now);
    await appendAuditEntries(
      tx,
      [
        {
          actorId: null,
          agencyId: null,
          action: 'system.demo_seeded',
          detail: { agencies: AGENCIES.length, users: PEOPLE.length, children: CHILDREN.length, shares: 1 },
        },
      ],
      now,
    );
    return accounts;
  });
}
