import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attestKey,
  checkLogGrowth,
  checkPublishedKeys,
  fromBase64Url,
  generateIdentity,
  keyFingerprint,
  publicIdentity,
  ready,
  verifyAttestation,
  type IdentityKeys,
  type KeyLogEntry,
  type SignedTreeHead,
} from '../../crypto';
import type { ApiClient } from '../support/client';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { publishKeys } from '../support/keys';
import { TEST_KEY_LOG_SEED, testLogPublicKey } from '../support/trust-roots';

let haven: TestHaven;
const people = new People(() => haven);
const keys: Record<string, IdentityKeys> = {};
const userIds: Record<string, string> = {};

type Proof = { entry: KeyLogEntry; index: number; proof: string[]; head: SignedTreeHead };
type ErrorBody = { error: { code: string } };

async function publish(name: string, identity = generateIdentity(), replace = false): Promise<void> {
  keys[name] = identity;
  const res = await publishKeys(await people.as(name), identity, { replace });
  expect(res.status, name).toBe(201);
  userIds[name] = res.body.keys.userId;
}

/** The log key a client trusts: its build's (the test trust roots), never the server's answer. */
function logKey(): Uint8Array {
  return testLogPublicKey();
}

/** What a correspondent's client does before using someone's keys. */
async function clientCheck(c: ApiClient, name: string) {
  const userId = userIds[name] ?? '';
  const [directory] = (await c.get<{ keys: { signPublicKey: string; boxPublicKey: string }[] }>(`/api/keys?userIds=${userId}`)).body.keys;
  const log = (await c.get<Proof>(`/api/key-log/proof?userId=${userId}`)).body;
  if (!directory) throw new Error('no keys in directory');
  return checkPublishedKeys({ userId, keys: directory, log, logPublicKey: logKey() });
}

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  for (const name of ['Jordan', 'Morgan', 'Priya', 'Ruth']) await publish(name);
});
afterAll(() => haven.close());

describe('key log', () => {
  it('logs every published key; a correspondent verifies it against a signed head', async () => {
    const jordan = await people.as('Jordan');
    expect(await clientCheck(jordan, 'Morgan')).toEqual({ ok: true });
    const head = (await jordan.get<{ head: SignedTreeHead }>('/api/key-log/head')).body.head;
    expect(head.treeSize).toBe(4);
  });

  it('catches a server that swaps a key in its directory (the client refuses the key)', async () => {
    const client = await rawClient(haven.database.url);
    const forged = publicIdentity(generateIdentity());
    try {
      await client.query('update user_keys set sign_public_key = $1, box_public_key = $2, fingerprint = $3 where user_id = $4', [
        forged.signPublicKey,
        forged.boxPublicKey,
        keyFingerprint(forged),
        userIds.Morgan,
      ]);
      expect(await clientCheck(await people.as('Jordan'), 'Morgan')).toEqual({ ok: false, reason: 'key_mismatch' });
    } finally {
      const real = publicIdentity(keys.Morgan ?? generateIdentity());
      await client.query('update user_keys set sign_public_key = $1, box_public_key = $2, fingerprint = $3 where user_id = $4', [
        real.signPublicKey,
        real.boxPublicKey,
        keyFingerprint(real),
        userIds.Morgan,
      ]);
      await client.end();
    }
    expect(await clientCheck(await people.as('Jordan'), 'Morgan')).toEqual({ ok: true });
  });

  it('the database refuses to rewrite the log', async () => {
    const client = await rawClient(haven.database.url);
    try {
      await expect(client.query(`update key_log_leaves set entry = '{}'`)).rejects.toThrow(/append-only/);
      await expect(client.query('delete from key_log_heads')).rejects.toThrow(/append-only/);
    } finally {
      await client.end();
    }
  });

  it('proves each new head consistent with the one a client kept; a rewritten, re-signed log is a fork', async () => {
    const jordan = await people.as('Jordan');
    const kept = (await jordan.get<{ head: SignedTreeHead }>('/api/key-log/head')).body.head;
    await publish('Alex');
    const { proof, head } = (await jordan.get<{ proof: string[]; head: SignedTreeHead }>(`/api/key-log/consistency?from=${kept.treeSize}`)).body;
    const logPublicKey = logKey();
    expect(checkLogGrowth({ oldHead: kept, newHead: head, proof, logPublicKey })).toEqual({ ok: true });

    // A server process holding the log's signing key (from its configuration) rewrites history and re-signs.
    const { signTreeHead, treeHead, keyLogLeafHash, fromHex, signingKeyPairFromSeed } = await import('../../crypto');
    const client = await rawClient(haven.database.url);
    const seed = TEST_KEY_LOG_SEED;
    const leaves = (await client.query<{ leaf_hash: string }>('select leaf_hash from key_log_leaves order by seq')).rows.map((r) => fromHex(r.leaf_hash));
    await client.end();
    const forgedEntry: KeyLogEntry = {
      ...(await jordan.get<Proof>(`/api/key-log/proof?userId=${userIds.Morgan}`)).body.entry,
      boxPublicKey: publicIdentity(generateIdentity()).boxPublicKey,
    };
    forgedEntry.fingerprint = keyFingerprint(forgedEntry);
    const morganIndex = (await jordan.get<Proof>(`/api/key-log/proof?userId=${userIds.Morgan}`)).body.index;
    const forgedLeaves = leaves.slice(0, kept.treeSize);
    forgedLeaves[morganIndex] = keyLogLeafHash(forgedEntry);
    const { toHex } = await import('../../crypto');
    const forgedHead = signTreeHead(
      { v: 1, treeSize: kept.treeSize, rootHash: toHex(treeHead(forgedLeaves)), timestamp: new Date().toISOString() },
      signingKeyPairFromSeed(fromBase64Url(seed)).privateKey,
    );
    expect(checkLogGrowth({ oldHead: kept, newHead: forgedHead, proof: [], logPublicKey })).toEqual({ ok: false, reason: 'fork' });
  });

  it('replacing keys is deliberate and logged, so correspondents see the change', async () => {
    const morgan = await people.as('Morgan');
    const again = await publishKeys<ErrorBody>(morgan, generateIdentity());
    expect(again.body.error.code).toBe('keys_exist');
    const before = (await (await people.as('Jordan')).get<Proof>(`/api/key-log/proof?userId=${userIds.Morgan}`)).body.entry.fingerprint;
    await publish('Morgan', generateIdentity(), true);
    const after = (await (await people.as('Jordan')).get<Proof>(`/api/key-log/proof?userId=${userIds.Morgan}`)).body.entry.fingerprint;
    expect(after).not.toBe(before);
    expect(await clientCheck(await people.as('Jordan'), 'Morgan')).toEqual({ ok: true });
  });
});

describe('admin attestation of keys', () => {
  it('an agency admin signs the binding of user to fingerprint; it is logged and verifiable', async () => {
    const priya = await people.as('Priya');
    const jordanId = userIds.Jordan ?? '';
    const fingerprint = keyFingerprint(publicIdentity(keys.Jordan ?? generateIdentity()));
    const attestation = attestKey({ userId: jordanId, fingerprint }, keys.Priya?.signPrivateKey ?? new Uint8Array());
    expect((await priya.post(`/api/users/${jordanId}/key-attestation`, { fingerprint, attestation })).status).toBe(204);
    const { entry } = (await priya.get<Proof>(`/api/key-log/proof?userId=${jordanId}`)).body;
    expect(entry).toMatchObject({ attestedBy: userIds.Priya, attestation });
    expect(verifyAttestation({ userId: jordanId, fingerprint }, attestation, keys.Priya?.signPublicKey ?? new Uint8Array())).toBe(true);
    expect(await clientCheck(await people.as('Morgan'), 'Jordan')).toEqual({ ok: true });
  });

  it('refuses a forged attestation, a stale fingerprint, and non-admins', async () => {
    const priya = await people.as('Priya');
    const jordanId = userIds.Jordan ?? '';
    const fingerprint = keyFingerprint(publicIdentity(keys.Jordan ?? generateIdentity()));
    const byRuth = attestKey({ userId: jordanId, fingerprint }, keys.Ruth?.signPrivateKey ?? new Uint8Array());
    expect((await priya.post<ErrorBody>(`/api/users/${jordanId}/key-attestation`, { fingerprint, attestation: byRuth })).body.error.code).toBe(
      'attestation_invalid',
    );
    const stale = 'ab'.repeat(32);
    const staleAttestation = attestKey({ userId: jordanId, fingerprint: stale }, keys.Priya?.signPrivateKey ?? new Uint8Array());
    expect((await priya.post<ErrorBody>(`/api/users/${jordanId}/key-attestation`, { fingerprint: stale, attestation: staleAttestation })).body.error.code).toBe(
      'fingerprint_changed',
    );
    const ruth = await people.as('Ruth');
    expect((await ruth.post<ErrorBody>(`/api/users/${jordanId}/key-attestation`, { fingerprint, attestation: byRuth })).status).toBe(403);
  });
});

describe('key backup', () => {
  it('keeps the encrypted backup for its owner only, who restores it on a new browser', async () => {
    const { backupKeys, restoreKeys } = await import('../../crypto');
    const ruth = await people.as('Ruth');
    const mine = keys.Ruth ?? generateIdentity();
    const backup = backupKeys(mine, userIds.Ruth ?? '', 'a long recovery passphrase');
    expect((await ruth.request('PUT', '/api/keys/backup', backup)).status).toBe(204);
    const fetched = await ruth.get<{ backup: typeof backup }>('/api/keys/backup');
    expect(restoreKeys(fetched.body.backup, userIds.Ruth ?? '', 'a long recovery passphrase')).toEqual(mine);
    // Someone else gets their own (absent) backup, never Ruth's.
    expect((await (await people.as('Alex')).get<ErrorBody>('/api/keys/backup')).body.error.code).toBe('no_key_backup');
    // The account page asks only whether there is one: yes for Ruth, no for Alex, and asking is not a read of the backup.
    const reads = async () => {
      const client = await rawClient(haven.database.url);
      try {
        const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from audit_entries where action = 'keys.backup_read' and actor_id = $1`, [
          userIds.Ruth,
        ]);
        return rows[0]?.n;
      } finally {
        await client.end();
      }
    };
    const readsBefore = await reads();
    expect((await ruth.get<{ exists: boolean; savedAt: string | null }>('/api/keys/backup/status')).body).toMatchObject({
      exists: true,
      savedAt: expect.any(String),
    });
    expect((await (await people.as('Alex')).get('/api/keys/backup/status')).body).toEqual({ exists: false, savedAt: null });
    expect(await reads()).toBe(readsBefore);
    // The server refuses anything that is not a well-formed backup.
    expect((await ruth.request<ErrorBody>('PUT', '/api/keys/backup', { ...backup, ciphertext: 'short' })).status).toBe(400);
  });
});
