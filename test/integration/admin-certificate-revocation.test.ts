import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity, ready, revokeAdminCertificate, toBase64Url, type AdminCertificateRevocation } from '../../crypto';
import { revokeAdminAsOperator } from '../../server/admin-certificates';
import { havenCommand } from '../support/commands';
import { auditEntriesOf } from '../support/audit-entries';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner } from '../support/practitioner';
import { testOrgRootKeys, testTrustRoots } from '../support/trust-roots';

// Revoking an admin's certificates (docs/key-log.md, "Admin certificates"): the operator, holding
// the organisation root, takes back the weight of an admin's key for key-log entries from a size
// on. Clients apply only revocations the root signed, and keep those they have seen, so the
// database can neither forge one nor take one back from a device that saw it.
let haven: TestHaven;
const people = new People(() => haven);
let jordan: Practitioner;
let morgan: Practitioner;
let ruth: Practitioner;
let sam: Practitioner;
let priya: Practitioner;

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  const cast = await Promise.all(['Jordan', 'Morgan', 'Ruth', 'Sam', 'Priya'].map(async (name) => new Practitioner(await people.as(name))));
  const [j, m, r, s, p] = cast;
  if (!j || !m || !r || !s || !p) throw new Error('demo people missing');
  [jordan, morgan, ruth, sam, priya] = [j, m, r, s, p];
  // Sam (system admin) and Priya (the council's admin) are certified as they publish, as in the demo.
  for (const p of [jordan, morgan, sam, priya]) await p.publishKeys();
}, 120_000);
afterAll(() => haven?.close());

const operator = () => ({ orgRoot: { ...testOrgRootKeys(), file: 'the test org root' }, trustRoots: testTrustRoots() });

const auditOf = async (action: string, subjectId: string) => (await auditEntriesOf(haven, action, subjectId)).map((e) => e.detail);

describe('revoking an admin’s certificates', () => {
  it(
    'from now: what the admin confirmed before stands, what they confirm after counts for nothing, and a client that saw it keeps it when the row goes',
    { timeout: 120_000 },
    async () => {
      // Priya confirms Jordan's keys while her certificate stands.
      expect((await priya.attest(jordan)).status).toBe(204);
      expect(await morgan.checkKeysOf(jordan.userId)).toMatchObject({ ok: true, trust: { vouched: true, by: { adminId: priya.userId } } });

      // The operator revokes her certificates at the command line (she left the role).
      const cli = await havenCommand(
        haven.env,
        'revoke-admin-certificate',
        '--email',
        haven.account('Priya').email,
        '--root-key',
        `${haven.dataDir}/org-root.key`,
      );
      expect(cli.stderr).toBe('');
      expect(cli.code).toBe(0);
      expect(cli.stdout).toMatch(/^Revoked the certificates of Priya Natarajan <[^>]+> for signing key \S+, for key-log entries from size \d+ on, at \S+\.\n$/);
      const [audit] = await auditOf('admin.certificate_revoked', priya.userId);
      expect(audit).toMatchObject({ via: 'cli', signPublicKeys: [toBase64Url(priya.keys.signPublicKey)] });
      expect(audit?.fromTreeSize).toBe(audit?.logSize);

      // Before the revocation: Jordan's confirmation and Priya's own keys still stand.
      expect(await morgan.checkKeysOf(jordan.userId)).toMatchObject({ ok: true, trust: { vouched: true, by: { adminId: priya.userId } } });
      expect(await morgan.checkKeysOf(priya.userId)).toMatchObject({ ok: true, trust: { vouched: true, by: { kind: 'certified' } } });
      // After it: Ruth's new keys, confirmed by Priya (her browser still holds her key), count for nothing.
      await ruth.publishKeys();
      expect((await priya.attest(ruth)).status).toBe(204);
      expect(await morgan.checkKeysOf(ruth.userId)).toEqual({ ok: true, fingerprint: ruth.fingerprint, trust: { vouched: false, reason: 'attester_revoked' } });
      expect(morgan.keptRevocations).toHaveLength(1);

      // Whoever has the database deletes the revocation: Morgan's client saw it and keeps applying it.
      const db = await rawClient(haven.database.url);
      try {
        await db.query('delete from admin_certificate_revocations');
        expect((await sam.api.get<{ revocations: unknown[] }>('/api/admin-certificates')).body.revocations).toEqual([]);
        expect(await morgan.checkKeysOf(ruth.userId)).toMatchObject({ ok: true, trust: { vouched: false, reason: 'attester_revoked' } });
        // A client that never saw it is kept from it (the limit docs/key-log.md states) ...
        expect(await jordan.checkKeysOf(ruth.userId)).toMatchObject({ ok: true, trust: { vouched: true, by: { adminId: priya.userId } } });
        // ... and a revocation the database makes up, signed by a root of its own, revokes nothing.
        const forged: AdminCertificateRevocation = {
          v: 1,
          userId: sam.userId,
          signPublicKey: toBase64Url(sam.keys.signPublicKey),
          fromTreeSize: 0,
          revokedAt: new Date().toISOString(),
        };
        await db.query(`insert into admin_certificate_revocations (user_id, revocation, signature, created_at) values ($1, $2, $3, now())`, [
          sam.userId,
          forged,
          revokeAdminCertificate(forged, generateIdentity().signPrivateKey),
        ]);
        expect(await jordan.checkKeysOf(sam.userId)).toMatchObject({ ok: true, trust: { vouched: true, by: { kind: 'certified', adminId: sam.userId } } });
        expect(jordan.keptRevocations).toEqual([]);
      } finally {
        await db.end();
      }

      // Another admin's confirmation makes Ruth's keys vouched for again.
      expect((await sam.attest(ruth)).status).toBe(204);
      expect(await morgan.checkKeysOf(ruth.userId)).toMatchObject({ ok: true, trust: { vouched: true, by: { adminId: sam.userId } } });
    },
  );

  it('from size 0: nothing the key ever vouched for counts, its owner’s own keys included; refusals say why', async () => {
    const { revoked } = await revokeAdminAsOperator(haven.ctx, { email: haven.account('Sam').email, fromTreeSize: 0, ...operator() });
    expect(revoked.map((r) => r.revocation.fromTreeSize)).toEqual([0]);
    expect(await morgan.checkKeysOf(ruth.userId)).toMatchObject({ ok: true, trust: { vouched: false, reason: 'attester_revoked' } });
    expect(await morgan.checkKeysOf(sam.userId)).toMatchObject({ ok: true, trust: { vouched: false, reason: 'not_attested' } });

    // Someone with no certificate, a size the log has not reached, another root: refused, nothing stored.
    const before = (await sam.api.get<{ revocations: unknown[] }>('/api/admin-certificates')).body.revocations.length;
    await expect(revokeAdminAsOperator(haven.ctx, { email: haven.account('Jordan').email, fromTreeSize: 'now', ...operator() })).rejects.toMatchObject({
      code: 'not_certified',
    });
    await expect(revokeAdminAsOperator(haven.ctx, { email: haven.account('Priya').email, fromTreeSize: 1_000_000, ...operator() })).rejects.toMatchObject({
      code: 'beyond_log',
    });
    const otherRoot = generateIdentity();
    await expect(
      revokeAdminAsOperator(haven.ctx, {
        email: haven.account('Priya').email,
        fromTreeSize: 0,
        orgRoot: { publicKey: otherRoot.signPublicKey, privateKey: otherRoot.signPrivateKey, file: 'another root' },
        trustRoots: testTrustRoots(),
      }),
    ).rejects.toMatchObject({ code: 'wrong_org_root' });
    expect((await sam.api.get<{ revocations: unknown[] }>('/api/admin-certificates')).body.revocations).toHaveLength(before);

    // The command line refuses bad input in one line.
    const bad = await havenCommand(haven.env, 'revoke-admin-certificate', '--email', haven.account('Priya').email, '--from-size', 'ten');
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/--from-size: expected a whole number of at least 0/);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('revokes only keys the root really certified for the person: a certificate row added or edited in the database is not taken for one', async () => {
    const real = toBase64Url(priya.keys.signPublicKey);
    const fake = generateIdentity();
    const fakeKey = toBase64Url(fake.signPublicKey);
    const db = await rawClient(haven.database.url);
    try {
      // A row added, signed by a root of the database's own, naming another key for Priya.
      const forged = { v: 1, userId: priya.userId, role: 'agency_admin', agencyId: null, signPublicKey: fakeKey, issuedAt: new Date().toISOString() };
      await db.query(`insert into admin_certificates (user_id, certificate, signature, created_at) values ($1, $2, $3, now())`, [priya.userId, forged, 'AAAA']);
      const { revoked } = await revokeAdminAsOperator(haven.ctx, { email: haven.account('Priya').email, fromTreeSize: 'now', ...operator() });
      expect(revoked.map((r) => r.revocation.signPublicKey)).toEqual([real]);
      // Her genuine row edited to name the fake key: nothing genuine is left to revoke, and the operator is told so.
      await db.query(`update admin_certificates set certificate = jsonb_set(certificate, '{signPublicKey}', to_jsonb($2::text)) where user_id = $1`, [
        priya.userId,
        fakeKey,
      ]);
      await expect(revokeAdminAsOperator(haven.ctx, { email: haven.account('Priya').email, fromTreeSize: 'now', ...operator() })).rejects.toMatchObject({
        code: 'not_certified',
      });
    } finally {
      await db.end();
    }
  });
});
