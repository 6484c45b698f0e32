import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity, openNote, ready, sealNote, type IdentityKeys, type SealedNote } from '../../crypto';
import type { ApiClient } from '../support/client';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { publishKeys } from '../support/keys';

let haven: TestHaven;
const people = new People(() => haven);
const keys: Record<string, IdentityKeys> = {};
const ids = { jordan: '', morgan: '', lily: '' };
const CANARY = 'CANARY-summary-5d1e7a';

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  for (const name of ['Jordan', 'Morgan']) {
    keys[name] = generateIdentity();
    const res = await publishKeys(await people.as(name), keys[name]);
    expect(res.status).toBe(201);
    ids[name.toLowerCase() as 'jordan' | 'morgan'] = res.body.keys.userId;
  }
  const jordan = await people.as('Jordan');
  ids.lily = (await jordan.get<{ children: { id: string }[] }>('/api/children?name=Lily+Hartwell')).body.children[0]?.id ?? '';
});
afterAll(() => haven.close());

type ErrorBody = { error: { code: string; issues?: { path: string }[] } };
type Entry = { id: string; summary: SealedNote | null };

const record = {
  consent: { status: 'given', givenBy: 'parent', givenOn: '2026-11-20' },
  purpose: 'Arrange support for the family at home',
  kindsOfInformation: ['family_and_household'],
  article6Basis: 'public_task',
  specialCategory: false,
  legalGateway: 'children_act_1989_s17',
  necessityAndProportionality: 'Only the address and household details were needed',
  childOrFamilyTold: { told: true },
};

async function publicKeysOf(c: ApiClient, userIds: string[]) {
  const res = await c.get<{ keys: { userId: string; boxPublicKey: string; fingerprint: string }[] }>(`/api/keys?userIds=${userIds.join(',')}`);
  expect(res.status).toBe(200);
  return res.body.keys;
}

function verbalWithSummary(id: string, summary: SealedNote | null) {
  return {
    id,
    occurredAt: new Date(Date.now() - 600_000).toISOString(),
    tier: 'welfare',
    participants: [{ userId: ids.morgan, needToKnowReason: 'Neighbourhood officer for the address' }],
    record,
    summary,
  };
}

describe('identity keys', () => {
  it('publishes once; the same keys again are accepted, different ones refused', async () => {
    const jordan = await people.as('Jordan');
    expect((await publishKeys(jordan, keys.Jordan ?? generateIdentity())).status).toBe(200);
    const other = await publishKeys<ErrorBody>(jordan, generateIdentity());
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('keys_exist');
    const bad = await jordan.request<ErrorBody>('PUT', '/api/keys/me', { signPublicKey: 'short', boxPublicKey: 'x' });
    expect(bad.status).toBe(400);
  });

  it('lets people find colleagues to share with, with whether they have keys', async () => {
    const jordan = await people.as('Jordan');
    const res = await jordan.get<{ people: { name: string; hasKeys: boolean; agencyName: string }[] }>('/api/people?name=mor');
    expect(res.body.people).toEqual([expect.objectContaining({ name: 'Morgan Reid', hasKeys: true, agencyName: 'Northmoor Constabulary' })]);
    // Unverified users are not offered.
    expect((await jordan.get<{ people: unknown[] }>('/api/people?name=Taylor')).body.people).toEqual([]);
  });
});

describe('a verbal share with an end-to-end encrypted summary', () => {
  it('is stored as ciphertext the server cannot read, and opens for the sender and the recipient', async () => {
    const jordan = await people.as('Jordan');
    const readers = await publicKeysOf(jordan, [ids.jordan, ids.morgan]);
    const shareId = randomUUID();
    const context = { shareId, childId: ids.lily, senderId: ids.jordan };
    const { fromBase64Url } = await import('../../crypto');
    const summary = sealNote(
      `${CANARY}: told PC Reid the mother has moved in with her sister`,
      context,
      readers.map((r) => ({ userId: r.userId, boxPublicKey: fromBase64Url(r.boxPublicKey) })),
      { userId: ids.jordan, signPrivateKey: keys.Jordan?.signPrivateKey ?? new Uint8Array() },
    );
    const res = await jordan.post<{ entry: Entry }>(`/api/children/${ids.lily}/verbal-shares`, verbalWithSummary(shareId, summary));
    expect(res.status).toBe(201);

    // A resend with the same id does not record it twice.
    const again = await jordan.post<{ entry: Entry }>(`/api/children/${ids.lily}/verbal-shares`, verbalWithSummary(shareId, summary));
    expect(again.status).toBe(200);
    expect(again.body.entry.id).toBe(shareId);

    const morgan = await people.as('Morgan');
    const entries = (await morgan.get<{ entries: Entry[] }>(`/api/children/${ids.lily}/chronology`)).body.entries.filter((e) => e.id === shareId);
    expect(entries).toHaveLength(1);
    const stored = entries[0]?.summary;
    if (!stored || !keys.Morgan || !keys.Jordan) throw new Error('summary missing');
    const author = { userId: ids.jordan, signPublicKey: keys.Jordan.signPublicKey };
    expect(openNote(stored, context, { userId: ids.morgan, ...keys.Morgan }, author)).toEqual({
      text: expect.stringContaining('moved in with her sister'),
      signed: true,
    });
    expect(openNote(stored, context, { userId: ids.jordan, ...keys.Jordan }, author).text).toContain(CANARY);

    // Nowhere in the database is the summary readable.
    const client = await rawClient(haven.database.url);
    try {
      const tables = (await client.query<{ tablename: string }>(`select tablename from pg_tables where schemaname = 'public'`)).rows;
      for (const { tablename } of tables) {
        const dump = (await client.query<{ t: string }>(`select coalesce(string_agg(t::text, ''), '') as t from "${tablename}" t`)).rows[0]?.t ?? '';
        expect(dump, tablename).not.toContain(CANARY);
        expect(dump, tablename).not.toContain('moved in with her sister');
      }
    } finally {
      await client.end();
    }
  });

  it('refuses a summary not encrypted to exactly the sender and each Haven participant', async () => {
    const jordan = await people.as('Jordan');
    const { fromBase64Url } = await import('../../crypto');
    const [mine] = await publicKeysOf(jordan, [ids.jordan]);
    const shareId = randomUUID();
    const onlyMe = sealNote(
      'x',
      { shareId, childId: ids.lily, senderId: ids.jordan },
      [{ userId: ids.jordan, boxPublicKey: fromBase64Url(mine?.boxPublicKey ?? '') }],
      {
        userId: ids.jordan,
        signPrivateKey: keys.Jordan?.signPrivateKey ?? new Uint8Array(),
      },
    );
    const res = await jordan.post<ErrorBody>(`/api/children/${ids.lily}/verbal-shares`, verbalWithSummary(shareId, onlyMe));
    expect(res.status).toBe(400);
    expect(res.body.error.issues?.[0]?.path).toBe('summary.keys');
    const noId = await jordan.post<ErrorBody>(`/api/children/${ids.lily}/verbal-shares`, { ...verbalWithSummary(shareId, onlyMe), id: undefined });
    expect(noId.body.error.issues?.[0]?.path).toBe('id');
    const garbage = await jordan.post<ErrorBody>(`/api/children/${ids.lily}/verbal-shares`, verbalWithSummary(shareId, { ...onlyMe, nonce: 'nope' }));
    expect(garbage.status).toBe(400);
  });

  it('refuses a new summary that is not signed (sealed note v1): the server cannot be handed an unsigned note as new', async () => {
    const jordan = await people.as('Jordan');
    const { fromBase64Url } = await import('../../crypto');
    const readers = await publicKeysOf(jordan, [ids.jordan, ids.morgan]);
    const shareId = randomUUID();
    const signed = sealNote(
      'x',
      { shareId, childId: ids.lily, senderId: ids.jordan },
      readers.map((r) => ({ userId: r.userId, boxPublicKey: fromBase64Url(r.boxPublicKey) })),
      {
        userId: ids.jordan,
        signPrivateKey: keys.Jordan?.signPrivateKey ?? new Uint8Array(),
      },
    );
    const { signature: _signature, ...unsigned } = signed;
    for (const note of [{ ...unsigned, v: 1 }, unsigned, { ...signed, signature: 'short' }]) {
      const res = await jordan.post<ErrorBody>(`/api/children/${ids.lily}/verbal-shares`, verbalWithSummary(shareId, note as SealedNote));
      expect(res.status).toBe(400);
      expect(res.body.error.issues?.[0]?.path).toMatch(/^summary/);
    }
  });
});
