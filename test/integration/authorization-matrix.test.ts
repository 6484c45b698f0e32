import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/client';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { totpCode } from '../support/totp';
import { welfareRecord } from '../support/practitioner';
import { attachmentPaddedBytes, encryptAttachment, newAttachmentKey } from '../../crypto';
import { makeUser } from '../support/recovery';

type Who = 'anonymous' | 'half_signed_in' | 'unverified' | 'practitioner' | 'designated_officer' | 'agency_admin' | 'system_admin';
const EVERYONE: Who[] = ['anonymous', 'half_signed_in', 'unverified', 'practitioner', 'designated_officer', 'agency_admin', 'system_admin'];
const READERS: Who[] = ['practitioner', 'designated_officer', 'agency_admin', 'system_admin'];
const SHARERS: Who[] = ['practitioner', 'designated_officer', 'agency_admin'];
const ADMINS: Who[] = ['agency_admin', 'system_admin'];
const SYSTEM: Who[] = ['system_admin'];

let haven: TestHaven;
const people = new People(() => haven);
const clients = new Map<Who, ApiClient>();
const ids = { lily: '', council: '', police: '', jordan: '', morgan: '', run: '', share: '', thread: '', upload: '', recovery: '' };
const hourly = { messages: true, recordReminders: true, digest: 'hourly', quietHours: { start: '22:00', end: '07:00' } };
const unique = () => randomBytes(4).toString('hex');

interface Row {
  method: 'GET' | 'POST' | 'PUT';
  path: () => string;
  body?: () => unknown;
  allowed: Who[];
}

/** Every route that reads or changes protected data, with a valid request and who may make it. */
const ROUTES: Row[] = [
  { method: 'GET', path: () => '/api/agencies', allowed: SYSTEM },
  { method: 'POST', path: () => '/api/agencies', body: () => ({ name: `Agency ${unique()}`, kind: 'voluntary' }), allowed: SYSTEM },
  { method: 'GET', path: () => '/api/users', allowed: ADMINS },
  // Ownership: a police officer's account is for police and system admins, not the council's admin.
  { method: 'GET', path: () => `/api/users/${ids.morgan}`, allowed: SYSTEM },
  {
    method: 'POST',
    path: () => '/api/invites',
    body: () => ({ email: `new.${unique()}@childrens.northmoor.example`, agencyId: ids.council, role: 'practitioner' }),
    allowed: ADMINS,
  },
  { method: 'GET', path: () => '/api/audit', allowed: ADMINS },
  // E-mail preferences: each signed-in person their own; an agency's defaults its own admins and system admins.
  { method: 'GET', path: () => '/api/me/notification-preferences', allowed: READERS },
  { method: 'PUT', path: () => '/api/me/notification-preferences', body: () => ({ preferences: hourly }), allowed: READERS },
  { method: 'GET', path: () => `/api/agencies/${ids.council}/notification-defaults`, allowed: ADMINS },
  { method: 'PUT', path: () => `/api/agencies/${ids.council}/notification-defaults`, body: () => ({ preferences: hourly }), allowed: ADMINS },
  { method: 'GET', path: () => `/api/agencies/${ids.police}/notification-defaults`, allowed: SYSTEM },
  { method: 'PUT', path: () => `/api/agencies/${ids.police}/notification-defaults`, body: () => ({ preferences: hourly }), allowed: SYSTEM },
  // Passkeys: each person their own (before verification too: part of setting up an account);
  // whether an agency's people may sign in with a passkey alone, its own admins and system admins.
  { method: 'GET', path: () => '/api/me/passkeys', allowed: ['unverified', ...READERS] },
  // The open recovery of one's own sign-in (none here): every fully signed-in person, their own only.
  { method: 'GET', path: () => '/api/me/mfa-recovery', allowed: ['unverified', ...READERS] },
  { method: 'GET', path: () => `/api/agencies/${ids.council}/sign-in-policy`, allowed: ADMINS },
  { method: 'PUT', path: () => `/api/agencies/${ids.council}/sign-in-policy`, body: () => ({ passkeyOnlySignIn: false }), allowed: ADMINS },
  { method: 'GET', path: () => `/api/agencies/${ids.police}/sign-in-policy`, allowed: SYSTEM },
  { method: 'PUT', path: () => `/api/agencies/${ids.police}/sign-in-policy`, body: () => ({ passkeyOnlySignIn: false }), allowed: SYSTEM },
  { method: 'GET', path: () => '/api/audit/verify', allowed: SYSTEM },
  { method: 'GET', path: () => `/api/audit/reports/child/${ids.lily}`, allowed: ADMINS },
  { method: 'GET', path: () => `/api/audit/reports/user/${ids.jordan}`, allowed: ADMINS },
  { method: 'GET', path: () => '/api/children?name=Lily', allowed: READERS },
  // Home's list of children opened recently is casework: admins open records with a reason.
  { method: 'GET', path: () => '/api/children/recent', allowed: ['practitioner', 'designated_officer'] },
  { method: 'POST', path: () => `/api/children/${ids.lily}/open`, body: () => ({ reason: 'Authorisation matrix' }), allowed: READERS },
  { method: 'GET', path: () => `/api/children/${ids.lily}/chronology`, allowed: READERS },
  // Lead practitioners, in order: the council's admin appoints Jordan for Lily (her agency serves
  // Lily); only Jordan then reads every agency's entries; only the council's admin ends it.
  { method: 'GET', path: () => `/api/children/${ids.lily}/lead-practitioner`, allowed: ['agency_admin'] },
  {
    method: 'PUT',
    path: () => `/api/children/${ids.lily}/lead-practitioner`,
    body: () => ({ userId: ids.jordan, reason: 'Authorisation matrix appointment' }),
    allowed: ['agency_admin'],
  },
  { method: 'GET', path: () => `/api/children/${ids.lily}/chronology/all-agencies`, allowed: ['practitioner'] },
  { method: 'GET', path: () => '/api/children/led-by-me', allowed: ['practitioner', 'designated_officer'] },
  {
    method: 'POST',
    path: () => `/api/children/${ids.lily}/lead-practitioner/end`,
    body: () => ({ reason: 'Authorisation matrix' }),
    allowed: ['agency_admin'],
  },
  { method: 'POST', path: () => `/api/children/${ids.lily}/concerns`, body: () => ({}), allowed: SHARERS },
  { method: 'GET', path: () => '/api/people?name=Mor', allowed: READERS },
  { method: 'GET', path: () => '/api/key-log/head', allowed: READERS },
  { method: 'GET', path: () => '/api/admin-certificates', allowed: READERS },
  { method: 'GET', path: () => '/api/alerts', allowed: ADMINS },
  { method: 'GET', path: () => '/api/obligations/escalations', allowed: ADMINS },
  { method: 'GET', path: () => '/api/subject-access-requests', allowed: ADMINS },
  { method: 'GET', path: () => '/api/retention/schedule', allowed: SYSTEM },
  { method: 'GET', path: () => '/api/retention/runs', allowed: SYSTEM },
  { method: 'POST', path: () => '/api/retention/runs', body: () => ({ dryRun: true }), allowed: SYSTEM },
  { method: 'GET', path: () => `/api/retention/runs/${ids.run}`, allowed: SYSTEM },
  // Attachments: uploading into a conversation its participants only (Jordan's with Morgan); an unsent upload its uploader only.
  { method: 'POST', path: () => '/api/attachments', body: () => ({ threadId: ids.thread, size: attachmentPaddedBytes(10) }), allowed: ['practitioner'] },
  // For a verbal share (no conversation): whoever may share about the child (for a welfare child, as a verbal share itself).
  { method: 'POST', path: () => '/api/attachments', body: () => ({ childId: ids.lily, size: attachmentPaddedBytes(10) }), allowed: SHARERS },
  { method: 'GET', path: () => `/api/attachments/${ids.upload}`, allowed: ['practitioner'] },
  { method: 'GET', path: () => `/api/attachments/${ids.upload}/content`, allowed: ['practitioner'] },
  // Only a reader reports: here the practitioner who recorded the share (Morgan, its other reader, is not in the matrix).
  {
    method: 'POST',
    path: () => '/api/integrity-reports',
    body: () => ({ kind: 'summary_not_signed', shareId: ids.share, reason: 'signature_invalid' }),
    allowed: ['practitioner'],
  },
  // Recovery of a lost second factor: admins see their scope's; starting one for a police officer
  // is for a system admin only (the council's admin is of another agency); confirming a council
  // designated officer's, started by the council's admin, is for a different admin: here Sam.
  { method: 'GET', path: () => '/api/mfa-recoveries', allowed: ADMINS },
  {
    method: 'POST',
    path: () => `/api/users/${ids.morgan}/mfa-recovery`,
    body: () => ({ identityCheck: { method: 'video_call_photo_id', checkedAt: new Date().toISOString() }, reason: 'Authorisation matrix' }),
    allowed: SYSTEM,
  },
  { method: 'POST', path: () => `/api/mfa-recoveries/${ids.recovery}/confirm`, allowed: SYSTEM },
];

beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true });
  clients.set('anonymous', new ApiClient(haven.url));
  const half = new ApiClient(haven.url);
  const sam = haven.account('Sam');
  await half.post('/api/auth/sign-in', { email: sam.email, password: sam.password });
  clients.set('half_signed_in', half);
  const taylor = new ApiClient(haven.url);
  await taylor.post('/api/auth/sign-in', { email: haven.account('Taylor').email, password: haven.account('Taylor').password });
  const start = await taylor.post<{ secret: string }>('/api/auth/enrolment/start');
  await taylor.post('/api/auth/enrolment/confirm', { code: totpCode(start.body.secret) });
  clients.set('unverified', taylor);
  clients.set('practitioner', await people.as('Jordan'));
  clients.set('designated_officer', await people.as('Ruth'));
  clients.set('agency_admin', await people.as('Priya'));
  clients.set('system_admin', await people.as('Sam'));
  const jordan = await people.as('Jordan');
  ids.lily = (await jordan.get<{ children: { id: string }[] }>('/api/children?name=Lily+Hartwell')).body.children[0]?.id ?? '';
  ids.jordan = (await jordan.get<{ session: { user: { id: string; agencyId: string } } }>('/api/session')).body.session.user.id;
  const morganSession = (await (await people.as('Morgan')).get<{ session: { user: { id: string; agencyId: string } } }>('/api/session')).body.session.user;
  ids.morgan = morganSession.id;
  ids.police = morganSession.agencyId;
  ids.run = (await (await people.as('Sam')).post<{ runId: string }>('/api/retention/runs', { dryRun: true })).body.runId;
  ids.council = (await jordan.get<{ session: { user: { id: string; agencyId: string } } }>('/api/session')).body.session.user.agencyId;
  const share = await jordan.post<{ entry: { id: string } }>(`/api/children/${ids.lily}/verbal-shares`, {
    occurredAt: new Date(Date.now() - 600_000).toISOString(),
    tier: 'welfare',
    participants: [{ userId: ids.morgan, needToKnowReason: 'Neighbourhood officer for the family' }],
    record: welfareRecord,
  });
  expect(share.status).toBe(201);
  ids.share = share.body.entry.id;
  const thread = await jordan.post<{ thread: { id: string } }>(`/api/children/${ids.lily}/threads`, {
    participants: [{ userId: ids.morgan, needToKnowReason: 'Neighbourhood officer for the family' }],
    record: welfareRecord,
  });
  expect(thread.status).toBe(201);
  ids.thread = thread.body.thread.id;
  const upload = await jordan.post<{ upload: { id: string } }>('/api/attachments', { threadId: ids.thread, size: attachmentPaddedBytes(10) });
  expect(upload.status).toBe(201);
  ids.upload = upload.body.upload.id;
  const { bytes } = encryptAttachment(new Uint8Array(10), newAttachmentKey(), ids.upload);
  expect((await jordan.putBytes(`/api/attachments/${ids.upload}/chunks?offset=0`, bytes)).status).toBe(200);
  expect((await jordan.post(`/api/attachments/${ids.upload}/complete`)).status).toBe(200);
  const priya = await people.as('Priya');
  const officer = await makeUser(haven, priya, 'designated_officer', ids.council, 'Dana Matrix');
  const recovery = await priya.post<{ recovery: { id: string } }>(`/api/users/${officer.id}/mfa-recovery`, {
    identityCheck: { method: 'in_person_photo_id', checkedAt: new Date().toISOString() },
    reason: 'Authorisation matrix',
  });
  expect(recovery.status).toBe(201);
  ids.recovery = recovery.body.recovery.id;
});
afterAll(() => haven.close());

describe('authorisation matrix: every role × every protected route', () => {
  it('allows exactly the expected roles and refuses the rest with 401 or 403 (0 unexpected allows)', async () => {
    const unexpected: string[] = [];
    for (const route of ROUTES) {
      for (const who of EVERYONE) {
        const client = clients.get(who);
        if (!client) throw new Error(who);
        const res = route.method === 'GET' ? await client.get(route.path()) : await client.request(route.method, route.path(), route.body?.() ?? {});
        const allowed = route.allowed.includes(who);
        const label = `${route.method} ${route.path()} as ${who}: ${res.status}`;
        if (allowed && res.status >= 300) unexpected.push(`refused but should be allowed — ${label} ${JSON.stringify(res.body).slice(0, 120)}`);
        if (!allowed && res.status < 300) unexpected.push(`UNEXPECTED ALLOW — ${label}`);
        if (!allowed && ![401, 403].includes(res.status)) unexpected.push(`refused with the wrong status — ${label}`);
      }
    }
    expect(unexpected).toEqual([]);
  });

  it('the offending-risk case: each action, in order, allowed to the officers on the case (or the marking agency’s admins) and refused to everyone else, including a designated officer not on the case', async () => {
    // Ruth (designated officer, council) opens Callum's case; Alex (designated officer, police) is not on it.
    const alex = await people.as('Alex');
    const ruth = clients.get('designated_officer');
    if (!ruth) throw new Error('no designated officer');
    const callum = (await ruth.get<{ children: { id: string }[] }>('/api/children?name=Callum+Byrne')).body.children[0]?.id ?? '';
    const alexId = (await alex.get<{ session: { user: { id: string } } }>('/api/session')).body.session.user.id;
    const everyoneElse = new Map<string, ApiClient>([...clients].filter(([who]) => who !== 'designated_officer'));
    everyoneElse.set('designated_officer_not_on_case', alex);
    const record = {
      consent: {
        status: 'not_sought',
        exemption: 'prevention_or_detection_of_crime',
        exemptionDetail: 'Seeking consent would prejudice the prevention of crime',
      },
      purpose: 'Share the youth offending panel referral',
      kindsOfInformation: ['offending_or_antisocial_behaviour'],
      article6Basis: 'public_task',
      specialCategory: false,
      schedule1Condition: 'preventing_or_detecting_unlawful_acts',
      legalGateway: 'crime_and_disorder_act_1998_s115',
      necessityAndProportionality: 'Only the referral itself',
      childOrFamilyTold: { told: false, reason: 'Telling the family would prejudice the prevention of crime' },
    };
    type Step = { what: string; method: 'GET' | 'POST'; path: string; body?: unknown; refused: string[]; by: [string, ApiClient] };
    const ALL_BUT_RUTH = [...everyoneElse.keys()];
    const steps: Step[] = [
      {
        what: 'mark (opens the case)',
        method: 'POST',
        path: `/api/children/${callum}/offending-risk`,
        body: { reason: 'Matrix' },
        // Before any case exists, any designated officer may open one (Alex too): the refusals below are everyone else.
        refused: ['practitioner', 'agency_admin', 'system_admin', 'anonymous', 'half_signed_in', 'unverified'],
        by: ['designated_officer', ruth],
      },
      { what: 'open the special file', method: 'GET', path: `/api/children/${callum}/special-file`, refused: ALL_BUT_RUTH, by: ['designated_officer', ruth] },
      {
        what: 'unmark',
        method: 'POST',
        path: `/api/children/${callum}/offending-risk/unmark`,
        body: { reason: 'Matrix' },
        refused: ALL_BUT_RUTH,
        by: ['designated_officer', ruth],
      },
      {
        what: 'mark again',
        method: 'POST',
        path: `/api/children/${callum}/offending-risk`,
        body: { reason: 'Matrix' },
        refused: ALL_BUT_RUTH,
        by: ['designated_officer', ruth],
      },
      {
        what: 'add a case officer',
        method: 'POST',
        path: `/api/children/${callum}/case-officers`,
        body: { userId: alexId, record },
        refused: ALL_BUT_RUTH,
        by: ['designated_officer', ruth],
      },
      {
        what: 'the admin route out',
        method: 'POST',
        path: `/api/children/${callum}/offending-risk/admin-unmark`,
        body: { reason: 'Matrix: nobody on the case can act' },
        refused: ['designated_officer_not_on_case', 'practitioner', 'anonymous', 'half_signed_in', 'unverified'],
        by: ['agency_admin', clients.get('agency_admin') ?? ruth],
      },
    ];
    const unexpected: string[] = [];
    for (const step of steps) {
      // Ruth herself may not use the admin route.
      const refusedTo = step.what === 'the admin route out' ? [...step.refused, 'designated_officer'] : step.refused;
      for (const who of refusedTo) {
        const client = who === 'designated_officer' ? ruth : everyoneElse.get(who);
        if (!client) throw new Error(who);
        const res = step.method === 'GET' ? await client.get(step.path) : await client.post(step.path, step.body);
        if (![401, 403].includes(res.status)) unexpected.push(`${step.what} as ${who}: ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
      }
      const [who, client] = step.by;
      const res = step.method === 'GET' ? await client.get(step.path) : await client.post(step.path, step.body);
      if (res.status >= 300) unexpected.push(`${step.what} refused to ${who}: ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
    }
    expect(unexpected).toEqual([]);
  });

  it('socket events: only fully signed-in sessions connect, and a user sees only their own sequence', async () => {
    for (const who of ['anonymous', 'half_signed_in'] as const) {
      const socket = clients.get(who)?.socket();
      const outcome = await new Promise<string>((resolve) => {
        socket?.once('connect', () => resolve('connected'));
        socket?.once('connect_error', (e) => resolve(e.message));
      });
      socket?.close();
      expect(outcome, who).toBe('unauthorised');
    }
    for (const who of READERS) {
      const socket = clients.get(who)?.socket();
      await new Promise<void>((resolve, reject) => socket?.once('connect', resolve).once('connect_error', reject));
      expect(await socket?.timeout(5_000).emitWithAck('sync:since', { cursor: 0 }), who).toMatchObject({ ok: true, messages: [] });
      socket?.close();
    }
  });
});
