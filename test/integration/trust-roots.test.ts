import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateIdentity,
  keyFingerprint,
  keyLogLeafHash,
  publicIdentity,
  ready,
  signTreeHead,
  fromBase64Url,
  fromHex,
  signingKeyPairFromSeed,
  toHex,
  treeHead,
  type KeyLogEntry,
} from '../../crypto';
import { havenCommand } from '../support/commands';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner } from '../support/practitioner';

// Issue 17, item 1: the trust roots live outside the database. Here the attacker IS the database:
// they read every row, use any key they find there (or make their own), and log a fake key for a
// practitioner under a head they sign. The client checks with the key its build was given.

let haven: TestHaven;
const people = new People(() => haven);

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
});
afterAll(() => haven.close());

describe('the malicious database', () => {
  it('logs a fake key for a practitioner and signs a head with a key of its own: the client refuses it, and verify reports the head', async () => {
    const jordan = new Practitioner(await people.as('Jordan'));
    const morgan = new Practitioner(await people.as('Morgan'));
    await jordan.publishKeys();
    await morgan.publishKeys();
    expect(await jordan.checkKeysOf(morgan.userId)).toEqual({ ok: true });

    const sql = await rawClient(haven.database.url);
    try {
      // Everything the database holds is the attacker's: a key log seed kept there would be used.
      const secrets = (await sql.query<{ name: string; value: string }>('select name, value from server_secrets')).rows;
      const stored = secrets.find((s) => s.name === 'key_log_seed');
      const signingKey = stored ? signingKeyPairFromSeed(fromBase64Url(stored.value)).privateKey : generateIdentity().signPrivateKey;

      const fake = publicIdentity(generateIdentity());
      const entry: KeyLogEntry = {
        v: 1,
        userId: morgan.userId,
        ...fake,
        fingerprint: keyFingerprint(fake),
        attestedBy: null,
        attestation: null,
        loggedAt: new Date().toISOString(),
      };
      const hashes = (await sql.query<{ leaf_hash: string }>('select leaf_hash from key_log_leaves order by seq')).rows.map((r) => r.leaf_hash);
      const leafHash = toHex(keyLogLeafHash(entry));
      await sql.query('insert into key_log_leaves (seq, user_id, entry, leaf_hash) values ($1, $2, $3, $4)', [hashes.length, morgan.userId, entry, leafHash]);
      const head = signTreeHead(
        { v: 1, treeSize: hashes.length + 1, rootHash: toHex(treeHead([...hashes, leafHash].map(fromHex))), timestamp: new Date().toISOString() },
        signingKey,
      );
      await sql.query('insert into key_log_heads (tree_size, root_hash, timestamp, signature) values ($1, $2, $3, $4)', [
        head.treeSize,
        head.rootHash,
        head.timestamp,
        head.signature,
      ]);
      await sql.query('update user_keys set sign_public_key = $1, box_public_key = $2, fingerprint = $3 where user_id = $4', [
        fake.signPublicKey,
        fake.boxPublicKey,
        entry.fingerprint,
        morgan.userId,
      ]);
    } finally {
      await sql.end();
    }

    // The server hands over the fake key with a correct inclusion proof, under the forged head.
    expect(await jordan.checkKeysOf(morgan.userId)).toEqual({ ok: false, reason: 'bad_head' });
    const verify = await havenCommand(haven.env, 'verify');
    expect(verify.code).toBe(3);
    expect(verify.stdout).toMatch(/Key log BROKEN: The head of size \d+ is not signed by this installation's key log key/);
  });
});
