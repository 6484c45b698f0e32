import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { ApiClient, type ApiResponse } from '../support/client';
import { rawClient } from '../support/database';
import { makeUser } from '../support/recovery';
import { startTestHaven, type TestHaven } from '../support/haven';
import { outboxRows } from '../support/mail-outbox';
import { People } from '../support/people';
import { SoftPasskey, type CreationOptions, type RequestOptions } from '../support/soft-authenticator';

// Passkeys through the real HTTP interface, with a software authenticator that can misbehave:
// adding one needs the password again; as the second factor and (where the agency allows) on
// their own they sign in; replays, another origin, no user verification, a counter that goes
// back, and rows written straight into the database are all refused.
let haven: TestHaven;
const people = new People(() => haven);

beforeAll(async () => {
  await ready();
  // Many sign-ins from one address in a minute are this test's work, not an attack.
  haven = await startTestHaven({ seedDemo: true, env: { HAVEN_SIGNIN_PER_ADDRESS_PER_MINUTE: '1000', HAVEN_SIGNIN_FREE_FAILURES: '100' } });
});
afterAll(async () => {
  await haven?.close();
});

type Err = { error: { code: string; message: string } };
const origin = () => haven.url;
/** A request as a browser on Haven's page sends it: with its Origin. */
const send = <T = Record<string, unknown>>(client: ApiClient, method: string, path: string, body?: unknown): Promise<ApiResponse<T>> =>
  client.request<T>(method, path, body ?? {}, { headers: { origin: origin() } });

async function addPasskey(client: ApiClient, password: string, name = 'Work laptop', key = new SoftPasskey()): Promise<SoftPasskey> {
  const options = await send<{ options: CreationOptions }>(client, 'POST', '/api/me/passkeys/options', { password });
  expect(options.status, JSON.stringify(options.body)).toBe(200);
  const added = await send(client, 'POST', '/api/me/passkeys', { name, response: key.register(options.body.options, origin()) });
  expect(added.status, JSON.stringify(added.body)).toBe(201);
  return key;
}

/** Password only: a session waiting for its second factor. */
async function halfSignedIn(name: string): Promise<ApiClient> {
  const account = haven.account(name);
  const client = new ApiClient(haven.url);
  const res = await client.post<{ session: { stage: string } }>('/api/auth/sign-in', { email: account.email, password: account.password });
  expect(res.body.session.stage).toBe('mfa_required');
  return client;
}

async function challenge(client: ApiClient, path: '/api/auth/passkey/options' | '/api/auth/passkey-sign-in/options'): Promise<RequestOptions> {
  const res = await send<{ options: RequestOptions }>(client, 'POST', path);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.options;
}

async function sql<T extends Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  const db = await rawClient(haven.database.url);
  try {
    return (await db.query<T>(text, params)).rows;
  } finally {
    await db.end();
  }
}

describe('adding a passkey', () => {
  it('needs the password again; then it is listed, audited and e-mailed', async () => {
    const jordan = await people.as('Jordan');
    const wrong = await send<Err>(jordan, 'POST', '/api/me/passkeys/options', { password: 'not my password' });
    expect(wrong).toMatchObject({ status: 400, body: { error: { code: 'invalid_password' } } });
    await addPasskey(jordan, haven.account('Jordan').password, 'Work laptop');
    const listed = await jordan.get<{ passkeys: { name: string; lastUsedAt: string | null }[] }>('/api/me/passkeys');
    expect(listed.body.passkeys).toEqual([expect.objectContaining({ name: 'Work laptop', lastUsedAt: null })]);
    const actions = (
      await sql<{ action: string }>(`select action from audit_entries where action in ('auth.passkey.registered', 'auth.password_confirmation.failed')`)
    ).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['auth.passkey.registered', 'auth.password_confirmation.failed']));
    expect(await outboxRows(haven, `u.email = $1 and o.kind = 'passkey_added'`, [haven.account('Jordan').email])).toHaveLength(1);
  });

  it('holds to ten a person, also when two registrations begun with one slot left land at once', async () => {
    // Someone of their own: no other test here counts their passkeys.
    const agencyId = (await (await people.as('Priya')).get<{ session: { user: { agencyId: string } } }>('/api/session')).body.session.user.agencyId;
    const made = await makeUser(haven, await people.as('Priya'), 'practitioner', agencyId, 'Kai Ten Keys');
    const person = made.client;
    const me = { id: made.id };
    // Nine already (their rows need not sign in to count).
    for (let i = 0; i < 9; i++) {
      await sql(
        `insert into passkeys (user_id, credential_id, public_key, counter, transports, name, backed_up, binding) values ($1, $2, 'cGs', 0, '{}', 'old', false, 'Yg')`,
        [me.id, `bGltaXQt${i}`],
      );
    }
    const password = made.password;
    const first = await send<{ options: CreationOptions }>(person, 'POST', '/api/me/passkeys/options', { password });
    const second = await send<{ options: CreationOptions }>(person, 'POST', '/api/me/passkeys/options', { password });
    expect([first.status, second.status]).toEqual([200, 200]);
    const answers = await Promise.all(
      [first, second].map((o, i) =>
        send<Err>(person, 'POST', '/api/me/passkeys', { name: `Key ${i}`, response: new SoftPasskey().register(o.body.options, origin()) }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 400]);
    expect(answers.find((a) => a.status === 400)?.body.error.code).toBe('too_many_passkeys');
    expect(await sql('select 1 from passkeys where user_id = $1', [me.id])).toHaveLength(10);
  });

  it('refuses an answer to no challenge, a reused challenge, another origin, and a passkey that does not verify its user', async () => {
    const morgan = await people.as('Morgan');
    const password = haven.account('Morgan').password;
    const key = new SoftPasskey();
    const fresh = async () => (await send<{ options: CreationOptions }>(morgan, 'POST', '/api/me/passkeys/options', { password })).body.options;

    const options = await fresh();
    const forged = key.register({ ...options, challenge: 'bm90LWlzc3VlZC1oZXJl' }, origin());
    expect((await send<Err>(morgan, 'POST', '/api/me/passkeys', { name: 'x', response: forged })).body.error.code).toBe('passkey_not_accepted');

    const elsewhere = key.register(await fresh(), 'https://haven-login.example');
    expect((await send(morgan, 'POST', '/api/me/passkeys', { name: 'x', response: elsewhere })).status).toBe(400);

    const unverified = key.register(await fresh(), origin(), { userVerified: false });
    expect((await send(morgan, 'POST', '/api/me/passkeys', { name: 'x', response: unverified })).status).toBe(400);

    // A good answer works once; sending it again finds its challenge used.
    const good = key.register(await fresh(), origin());
    expect((await send(morgan, 'POST', '/api/me/passkeys', { name: 'Phone', response: good })).status).toBe(201);
    expect((await send(morgan, 'POST', '/api/me/passkeys', { name: 'Phone again', response: good })).status).toBe(400);
    expect((await morgan.get<{ passkeys: unknown[] }>('/api/me/passkeys')).body.passkeys).toHaveLength(1);
  });

  it('refuses bad input in one clear line, and a request with no web origin', async () => {
    const jordan = await people.as('Jordan');
    for (const body of [{ name: '', response: {} }, { name: 'x', response: { id: 'a b', type: 'public-key' } }, { name: 'x'.repeat(61) }, 'text']) {
      const res = await send<Err>(jordan, 'POST', '/api/me/passkeys', body);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).not.toMatch(/\.ts:\d+|at [A-Za-z]+ \(/);
    }
    const noOrigin = await jordan.post<Err>('/api/me/passkeys/options', { password: haven.account('Jordan').password });
    expect(noOrigin).toMatchObject({ status: 400, body: { error: { code: 'origin_required' } } });
  });
});

describe('a passkey as the second factor', () => {
  let key: SoftPasskey;
  beforeAll(async () => {
    key = await addPasskey(await people.as('Ruth'), haven.account('Ruth').password, 'Security key');
  });

  it('stands for the code after the password, audited as a passkey', async () => {
    const client = await halfSignedIn('Ruth');
    expect((await client.get<{ session: { passkeyOffered: boolean } }>('/api/session')).body.session.passkeyOffered).toBe(true);
    const done = await send<{ session: { stage: string } }>(client, 'POST', '/api/auth/passkey', {
      response: key.assert(await challenge(client, '/api/auth/passkey/options'), origin()),
    });
    expect(done).toMatchObject({ status: 200, body: { session: { stage: 'active' } } });
    const [entry] = await sql<{ detail: { method: string } }>(`select detail from audit_entries where action = 'auth.mfa.succeeded' order by seq desc limit 1`);
    expect(entry?.detail.method).toBe('passkey');
  });

  it('raced eight times with one answer, exactly one sign-in succeeds; a replay later fails', async () => {
    const client = await halfSignedIn('Ruth');
    const answer = key.assert(await challenge(client, '/api/auth/passkey/options'), origin());
    const results = await Promise.all(Array.from({ length: 8 }, () => send(client, 'POST', '/api/auth/passkey', { response: answer })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status !== 200).every((r) => r.status === 401 || r.status === 400)).toBe(true);

    const next = await halfSignedIn('Ruth');
    await challenge(next, '/api/auth/passkey/options');
    expect((await send<Err>(next, 'POST', '/api/auth/passkey', { response: answer })).body.error.code).toBe('passkey_not_accepted');
  });

  it('refuses another origin, no user verification, a counter that goes back, and another person’s passkey', async () => {
    const client = await halfSignedIn('Ruth');
    const tries = [
      (o: RequestOptions) => key.assert(o, 'https://haven-login.example'),
      (o: RequestOptions) => key.assert(o, origin(), { userVerified: false }),
      (o: RequestOptions) => key.assert(o, origin(), { rpId: 'haven-login.example' }),
      (o: RequestOptions) => key.assert(o, origin(), { counter: 1 }),
    ];
    for (const attempt of tries) {
      const res = await send<Err>(client, 'POST', '/api/auth/passkey', { response: attempt(await challenge(client, '/api/auth/passkey/options')) });
      expect(res).toMatchObject({ status: 401, body: { error: { code: 'passkey_not_accepted' } } });
    }
    // Ruth's passkey answering Morgan's second factor (Morgan has a passkey of his own).
    const morgan = await halfSignedIn('Morgan');
    const res = await send(morgan, 'POST', '/api/auth/passkey', { response: key.assert(await challenge(morgan, '/api/auth/passkey/options'), origin()) });
    expect(res.status).toBe(401);
    const why = await sql<{ why: string }>(
      `select detail->>'why' as why from audit_entries where action = 'auth.mfa.failed' and detail->>'method' = 'passkey' order by seq`,
    );
    expect(why.map((r) => r.why).slice(-5)).toEqual(['signature', 'signature', 'signature', 'replayed', 'wrong_account']);
    // Priya has no passkey: no challenge either.
    const priya = await halfSignedIn('Priya');
    expect((await send<Err>(priya, 'POST', '/api/auth/passkey/options')).body.error.code).toBe('no_passkeys');
  });

  it('a passkey row written straight into the database, or moved to another account, is refused', async () => {
    // Someone with the database only: copy Ruth's passkey row onto Alex's account, and add a new
    // key of their own with a made-up binding. Neither signs Alex in.
    const alexId = (await sql<{ id: string }>(`select id from users where email = $1`, [haven.account('Alex').email]))[0]?.id;
    const planted = new SoftPasskey();
    const sneaky = new SoftPasskey();
    // Only to give the planted keys their RP ID: a throwaway registration nobody sends.
    const options: CreationOptions = {
      challenge: 'AAAA',
      rp: { id: new URL(haven.url).hostname, name: 'Haven' },
      user: { id: 'AAAA', name: 'x', displayName: 'x' },
    };
    planted.register(options, origin());
    sneaky.register(options, origin());
    const [ruthRow] = await sql<{ public_key: string; binding: string }>(
      `select public_key, binding from passkeys p join users u on u.id = p.user_id where u.email = $1`,
      [haven.account('Ruth').email],
    );
    await sql(
      `insert into passkeys (user_id, credential_id, public_key, counter, transports, name, backed_up, binding) values ($1, $2, $3, 0, '{}', 'planted', false, $4)`,
      [alexId, planted.id, ruthRow?.public_key, ruthRow?.binding],
    );
    await sql(
      `insert into passkeys (user_id, credential_id, public_key, counter, transports, name, backed_up, binding) values ($1, $2, 'pQECAyYgASFYIA', 0, '{}', 'sneaky', false, 'bm9wZQ')`,
      [alexId, sneaky.id],
    );
    const alex = await halfSignedIn('Alex');
    for (const key of [planted, sneaky]) {
      key.userHandle = '';
      const answer = key.assert(await challenge(alex, '/api/auth/passkey/options'), origin());
      const { userHandle: _, ...response } = answer.response;
      expect((await send(alex, 'POST', '/api/auth/passkey', { response: { ...answer, response } })).status).toBe(401);
    }
    const why = await sql<{ why: string }>(
      `select detail->>'why' as why from audit_entries where action = 'auth.mfa.failed' and detail->>'method' = 'passkey' order by seq desc limit 2`,
    );
    expect(why.map((r) => r.why)).toEqual(['binding_broken', 'binding_broken']);
    await sql(`delete from passkeys where name in ('planted', 'sneaky')`);
  });
});

describe('signing in with a passkey alone', () => {
  let alexKey: SoftPasskey;
  let samKey: SoftPasskey;
  beforeAll(async () => {
    alexKey = await addPasskey(await people.as('Alex'), haven.account('Alex').password, 'Phone');
    samKey = await addPasskey(await people.as('Sam'), haven.account('Sam').password, 'Security key');
  });
  const policeId = async () => (await sql<{ id: string }>(`select id from agencies where name = 'Northmoor Constabulary'`))[0]?.id ?? '';
  const userIdOf = async (name: 'Alex' | 'Sam') =>
    (await sql<{ id: string }>(`select id::text as id from users where lower(email) = lower($1)`, [haven.account(name).email]))[0]?.id ?? '';

  it('is refused until the agency allows it, then works; audited as a passkey sign-in', async () => {
    const anonymous = new ApiClient(haven.url);
    const refused = await send<Err>(anonymous, 'POST', '/api/auth/passkey-sign-in', {
      response: alexKey.assert(await challenge(anonymous, '/api/auth/passkey-sign-in/options'), origin()),
    });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: 'password_required' } } });
    // The passkey was genuine: the refusal is on record for the admins, with why.
    expect(
      await sql<{ reason: string; subject: string }>(
        `select detail->>'reason' as reason, subject_id::text as subject from audit_entries where action = 'auth.passkey.sign_in_refused' order by seq`,
      ),
    ).toEqual([{ reason: 'password_required', subject: await userIdOf('Alex') }]);

    const sam = await people.as('Sam');
    const set = await sam.request('PUT', `/api/agencies/${await policeId()}/sign-in-policy`, { passkeyOnlySignIn: true });
    expect(set).toMatchObject({ status: 200, body: { passkeyOnlySignIn: true } });

    const fresh = new ApiClient(haven.url);
    const signedIn = await send<{ session: { stage: string; user: { email: string } } }>(fresh, 'POST', '/api/auth/passkey-sign-in', {
      response: alexKey.assert(await challenge(fresh, '/api/auth/passkey-sign-in/options'), origin()),
    });
    expect(signedIn).toMatchObject({ status: 200, body: { session: { stage: 'active', user: { email: haven.account('Alex').email } } } });
    expect((await fresh.get<{ session: { stage: string } }>('/api/session')).body.session.stage).toBe('active');
    expect(await sql(`select 1 from audit_entries where action = 'auth.passkey.signed_in'`)).toHaveLength(1);
  });

  it('a system admin always needs the password, whatever the agency says', async () => {
    const anonymous = new ApiClient(haven.url);
    const res = await send<Err>(anonymous, 'POST', '/api/auth/passkey-sign-in', {
      response: samKey.assert(await challenge(anonymous, '/api/auth/passkey-sign-in/options'), origin()),
    });
    expect(res).toMatchObject({ status: 403, body: { error: { code: 'password_required' } } });
    expect(
      await sql(`select 1 from audit_entries where action = 'auth.passkey.sign_in_refused' and subject_id::text = $1`, [await userIdOf('Sam')]),
    ).toHaveLength(1);
  });

  it('a suspended account cannot sign in with its passkey', async () => {
    const sam = await people.as('Sam');
    const users = (await sam.get<{ users: { id: string; email: string }[] }>('/api/users?status=all')).body.users;
    const alex = users.find((u) => u.email === haven.account('Alex').email);
    expect((await sam.post(`/api/users/${alex?.id}/suspend`, { reason: 'Testing passkeys' })).status).toBe(200);
    const anonymous = new ApiClient(haven.url);
    const res = await send<Err>(anonymous, 'POST', '/api/auth/passkey-sign-in', {
      response: alexKey.assert(await challenge(anonymous, '/api/auth/passkey-sign-in/options'), origin()),
    });
    expect(res).toMatchObject({ status: 403, body: { error: { code: 'actor_suspended' } } });
    expect((await sam.post(`/api/users/${alex?.id}/reinstate`, { reason: 'Test over' })).status).toBe(200);
  });

  it('an unknown passkey gets the same answer as a bad signature', async () => {
    const anonymous = new ApiClient(haven.url);
    const stranger = new SoftPasskey();
    stranger.rpId = new URL(haven.url).hostname;
    const res = await send<Err>(anonymous, 'POST', '/api/auth/passkey-sign-in', {
      response: stranger.assert(await challenge(anonymous, '/api/auth/passkey-sign-in/options'), origin()),
    });
    expect(res).toMatchObject({ status: 401, body: { error: { code: 'passkey_not_accepted' } } });
  });
});

describe('removing a passkey, and who may set the agency policy', () => {
  it('a removed passkey no longer signs in; another person’s passkey cannot be removed', async () => {
    const jordan = await people.as('Jordan');
    const key = await addPasskey(jordan, haven.account('Jordan').password, 'Old phone');
    const listed = (await jordan.get<{ passkeys: { id: string; name: string }[] }>('/api/me/passkeys')).body.passkeys;
    const old = listed.find((p) => p.name === 'Old phone');
    const morgan = await people.as('Morgan');
    expect((await morgan.request('DELETE', `/api/me/passkeys/${old?.id}`)).status).toBe(404);
    expect((await jordan.request('DELETE', `/api/me/passkeys/${old?.id}`)).status).toBe(204);
    expect((await jordan.request('DELETE', `/api/me/passkeys/${old?.id}`)).status).toBe(404);
    expect(await sql(`select 1 from audit_entries where action = 'auth.passkey.removed'`)).toHaveLength(1);

    const client = await halfSignedIn('Jordan');
    const res = await send(client, 'POST', '/api/auth/passkey', { response: key.assert(await challenge(client, '/api/auth/passkey/options'), origin()) });
    expect(res.status).toBe(401);
  });

  it('only the agency’s own admins and system admins set the policy; audited', async () => {
    const police = (await sql<{ id: string }>(`select id from agencies where name = 'Northmoor Constabulary'`))[0]?.id;
    const council = (await sql<{ id: string }>(`select id from agencies where name like 'Northmoor County Council%'`))[0]?.id;
    const priya = await people.as('Priya');
    expect((await priya.request('PUT', `/api/agencies/${police}/sign-in-policy`, { passkeyOnlySignIn: true })).status).toBe(403);
    expect((await priya.request('PUT', `/api/agencies/${council}/sign-in-policy`, { passkeyOnlySignIn: true })).status).toBe(200);
    expect((await priya.get<{ passkeyOnlySignIn: boolean }>(`/api/agencies/${council}/sign-in-policy`)).body.passkeyOnlySignIn).toBe(true);
    expect((await (await people.as('Jordan')).request('PUT', `/api/agencies/${council}/sign-in-policy`, { passkeyOnlySignIn: false })).status).toBe(403);
    expect((await priya.request('PUT', `/api/agencies/${council}/sign-in-policy`, { passkeyOnlySignIn: 'yes' })).status).toBe(400);
    expect(await sql(`select 1 from audit_entries where action = 'agency.sign_in_policy_set'`)).toHaveLength(2);
  });
});
