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
  certifyAdmin,
  verifyAdminCertificate,
  type AdminCertificate,
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
import { certifyTestAdmin, testOrgRootKeys, testTrustRoots } from '../support/trust-roots';
import { refuseKeyLogSeedInDatabase } from '../../server/trust-roots';
import { toBase64Url } from '../../crypto';

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
    expect(await jordan.checkKeysOf(morgan.userId)).toMatchObject({ ok: true, fingerprint: morgan.fingerprint });

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

  it('a database holding a key log seed (as before issue 17) is refused at start, never used', async () => {
    await expect(refuseKeyLogSeedInDatabase(haven.ctx.db)).resolves.toBeUndefined();
    const sql = await rawClient(haven.database.url);
    try {
      await sql.query(`insert into server_secrets (name, value) values ('key_log_seed', $1)`, [toBase64Url(generateIdentity().signPublicKey)]);
      await expect(refuseKeyLogSeedInDatabase(haven.ctx.db)).rejects.toThrow(/server_secrets 'key_log_seed'.*move it out/);
    } finally {
      await sql.query(`delete from server_secrets where name = 'key_log_seed'`);
      await sql.end();
    }
  });

  it('an admin certificate the database makes up (any key but the org root) does not verify; one the org root signed does', async () => {
    const priya = new Practitioner(await people.as('Priya'));
    await priya.publishKeys();
    const genuine = await certifyTestAdmin(haven, 'Priya');
    const forgedCert: AdminCertificate = { ...genuine.certificate, issuedAt: new Date().toISOString() };
    const forged = { certificate: forgedCert, signature: certifyAdmin(forgedCert, generateIdentity().signPrivateKey) };
    const sql = await rawClient(haven.database.url);
    try {
      await sql.query('insert into admin_certificates (user_id, certificate, signature, created_at) values ($1, $2, $3, now())', [
        priya.userId,
        forged.certificate,
        forged.signature,
      ]);
    } finally {
      await sql.end();
    }
    const { certificates } = (await priya.api.get<{ certificates: { certificate: AdminCertificate; signature: string }[] }>('/api/admin-certificates')).body;
    const orgRoot = fromBase64Url(testTrustRoots().orgRootPublicKey);
    const verdicts = certificates.filter((c) => c.certificate.userId === priya.userId).map((c) => verifyAdminCertificate(c.certificate, c.signature, orgRoot));
    // Demo admins are certified as they publish keys (startTestHaven, like `npm start`), then once more by hand.
    expect(verdicts).toEqual([true, true, false]);
    expect(certificates).toContainEqual({ ...genuine, name: 'Priya Natarajan' });
    expect(genuine.certificate).toMatchObject({ role: 'agency_admin', signPublicKey: toBase64Url(priya.keys.signPublicKey) });
  });
});

describe('certify-admin', () => {
  // Seven command-line processes, one after another: give them room on a busy machine.
  it('certifies an admin for the fingerprint they read out, and refuses anything else with one line', { timeout: 120_000 }, async () => {
    const sam = new Practitioner(await people.as('Sam'));
    await sam.publishKeys();
    const rootFile = `${haven.dataDir}/org-root.key`;
    const run = (...args: string[]) => havenCommand(haven.env, 'certify-admin', ...args);
    const spaced = sam.fingerprint.match(/.{4}/g)?.join(' ') ?? '';

    const ok = await run('--email', haven.account('Sam').email, '--fingerprint', spaced.toUpperCase(), '--root-key', rootFile);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/^Certified Sam Okafor <sam\.okafor@[^>]+> as system admin, signing key \S+, at \S+\.\n$/);
    expect(ok.code).toBe(0);

    const refusals: [string[], RegExp][] = [
      [['--email', haven.account('Jordan').email, '--fingerprint', sam.fingerprint], /only agency admins and system admins are certified/i],
      [['--email', haven.account('Sam').email, '--fingerprint', 'ab'.repeat(32)], /not this admin’s current key fingerprint/],
      [['--email', 'nobody@example.org', '--fingerprint', sam.fingerprint], /No account has this email address/],
      [['--email', haven.account('Sam').email, '--fingerprint', 'xyz'], /--fingerprint: expected 64 hex digits/],
      [
        ['--email', haven.account('Sam').email, '--fingerprint', sam.fingerprint, '--root-key', `${haven.dataDir}/nothing-here.key`],
        /no organisation root key at/,
      ],
    ];
    for (const [args, message] of refusals) {
      const res = await run(...args);
      expect(res.code, args.join(' ')).not.toBe(0);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(message);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
    }
    // An org root that is not the trust roots' is refused: what it signs no client would accept.
    const { writeFileSync } = await import('node:fs');
    const otherRoot = `${haven.dataDir}/other-root.key`;
    writeFileSync(
      otherRoot,
      JSON.stringify({ format: 'haven/org-root-key/v1', seed: toBase64Url(generateIdentity().signPrivateKey.slice(0, 32)), createdAt: 'x' }),
      {
        mode: 0o600,
      },
    );
    const wrongRoot = await run('--email', haven.account('Sam').email, '--fingerprint', sam.fingerprint, '--root-key', otherRoot);
    expect(wrongRoot.code).toBe(1);
    expect(wrongRoot.stderr).toMatch(/is not this installation's organisation root/);

    const { certificates } = (await sam.api.get<{ certificates: { certificate: AdminCertificate; signature: string }[] }>('/api/admin-certificates')).body;
    const mine = certificates.filter((c) => c.certificate.userId === sam.userId);
    expect(mine.length).toBe(2); // at key publication (demo) and by the command line
    for (const c of mine) expect(verifyAdminCertificate(c.certificate, c.signature, testOrgRootKeys().publicKey)).toBe(true);
  });
});
