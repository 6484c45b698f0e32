import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity, proveKeyPossession, publicIdentity, ready } from '../../crypto';
import { startTestHaven, type TestHaven } from '../support/haven';
import { keyPublicationBody, publishKeys, sessionUserId } from '../support/keys';
import { People } from '../support/people';

let haven: TestHaven;
const people = new People(() => haven);
type ErrorBody = { error: { code: string; message: string } };
const invalid = JSON.parse(readFileSync(new URL('../vectors/key-possession-v1.json', import.meta.url), 'utf8')) as {
  invalidKeys: { sign: string[]; box: string[] };
};

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
});
afterAll(() => haven.close());

describe('publishing keys', () => {
  it('refuses strings of the right length that are not keys with 400, never 500', async () => {
    const jordan = await people.as('Jordan');
    const good = publicIdentity(generateIdentity());
    const bodies = [
      ...invalid.invalidKeys.sign.map((signPublicKey) => ({ ...good, signPublicKey, proof: 'A'.repeat(86) })),
      ...invalid.invalidKeys.box.map((boxPublicKey) => ({ ...good, boxPublicKey, proof: 'A'.repeat(86) })),
    ];
    for (const body of bodies) {
      const res = await jordan.request<ErrorBody>('PUT', '/api/keys/me', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    }
  });

  it('accepts keys only with a proof that the browser holds them, made for this user', async () => {
    const jordan = await people.as('Jordan');
    const jordanId = await sessionUserId(jordan);
    const mine = generateIdentity();
    const { proof: _proof, ...withoutProof } = keyPublicationBody(jordanId, mine);
    expect((await jordan.request<ErrorBody>('PUT', '/api/keys/me', withoutProof)).status).toBe(400);
    // Signed by a key other than the one published.
    const forged = { ...withoutProof, proof: proveKeyPossession({ userId: jordanId, ...publicIdentity(mine) }, generateIdentity().signPrivateKey) };
    const refused = await jordan.request<ErrorBody>('PUT', '/api/keys/me', forged);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('key_possession_unproven');
    // A proof made for another user does not carry over.
    const morganId = await sessionUserId(await people.as('Morgan'));
    const elsewhere = await jordan.request<ErrorBody>('PUT', '/api/keys/me', keyPublicationBody(morganId, mine));
    expect(elsewhere.body.error.code).toBe('key_possession_unproven');
    expect((await jordan.get<{ keys: unknown }>('/api/keys/me')).body.keys).toBeNull();
    expect((await publishKeys(jordan, mine)).status).toBe(201);
  });

  it('never accepts another user’s public key, even in a publication its publisher signed', async () => {
    const ruth = await people.as('Ruth');
    const alex = await people.as('Alex');
    const ruthKeys = generateIdentity();
    expect((await publishKeys(ruth, ruthKeys)).status).toBe(201);
    // Alex copies Ruth's keys from the directory: he cannot sign for her signing key.
    const [published] = (await alex.get<{ keys: { signPublicKey: string; boxPublicKey: string }[] }>(`/api/keys?userIds=${await sessionUserId(ruth)}`)).body
      .keys;
    const copied = await alex.request<ErrorBody>('PUT', '/api/keys/me', { ...published, proof: 'A'.repeat(86) });
    expect(copied.status).toBe(400);
    // With his own signing key and Ruth's encryption key, his signature is valid, but the key is hers.
    const alexKeys = { ...generateIdentity(), boxPublicKey: ruthKeys.boxPublicKey, boxPrivateKey: new Uint8Array(32) };
    const taken = await alex.request<ErrorBody>('PUT', '/api/keys/me', keyPublicationBody(await sessionUserId(alex), alexKeys));
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('key_in_use');
    expect((await alex.get<{ keys: unknown }>('/api/keys/me')).body.keys).toBeNull();
  });

  it('gives one key pair to exactly one user when two accounts race to publish it, eight times each', async () => {
    const shared = generateIdentity();
    const priya = await people.as('Priya');
    const sam = await people.as('Sam');
    const bodies = await Promise.all([priya, sam].map(async (api) => ({ api, body: keyPublicationBody(await sessionUserId(api), shared) })));
    const results = await Promise.all(bodies.flatMap(({ api, body }) => Array.from({ length: 8 }, () => api.request('PUT', '/api/keys/me', body))));
    expect(
      results.every((r) => [200, 201, 409].includes(r.status)),
      results.map((r) => r.status).join(','),
    ).toBe(true);
    const owners = await Promise.all([priya, sam].map(async (api) => (await api.get<{ keys: { fingerprint: string } | null }>('/api/keys/me')).body.keys));
    expect(owners.filter((k) => k !== null)).toHaveLength(1);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
  });
});
