import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attestKey,
  certifyAdmin,
  generateIdentity,
  keyFingerprint,
  publicIdentity,
  ready,
  type AdminCertificate,
  type IdentityKeys,
  type KeyLogEntry,
} from '../../crypto';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner } from '../support/practitioner';
import { logAsServer } from '../support/malicious-server';

// Issue 17, item 2: a client seals to a key only once it knows who vouches for it — an admin of
// the person's agency (or a system admin) whose signing key the organisation root certified. The
// attacker here is stronger than a stolen database: a server process holding the key log's
// signing key, which logs whatever it likes, correctly. What it cannot do is sign as an admin or
// as the organisation root, and the client's answer depends only on those signatures.

let haven: TestHaven;
const people = new People(() => haven);
let jordan: Practitioner;
let morgan: Practitioner;
let sam: Practitioner;
let priya: Practitioner;

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  const [j, m, s, p] = await Promise.all(['Jordan', 'Morgan', 'Sam', 'Priya'].map(async (name) => new Practitioner(await people.as(name))));
  if (!j || !m || !s || !p) throw new Error('demo people missing');
  [jordan, morgan, sam, priya] = [j, m, s, p];
  // Sam (system admin) and Priya (the council's admin) are certified as they publish, as in the demo.
  for (const p of [jordan, morgan, sam, priya]) await p.publishKeys();
});
afterAll(() => haven?.close());

/** A fake key for `userId`, with whatever attestation the attacker can muster. */
function fakeEntry(userId: string, attestation: { by: string; signWith: IdentityKeys; ofFingerprint?: string } | null): KeyLogEntry {
  const fake = publicIdentity(generateIdentity());
  const fingerprint = keyFingerprint(fake);
  return {
    v: 1,
    userId,
    ...fake,
    fingerprint,
    attestedBy: attestation?.by ?? null,
    attestation: attestation ? attestKey({ userId, fingerprint: attestation.ofFingerprint ?? fingerprint }, attestation.signWith.signPrivateKey) : null,
    loggedAt: new Date().toISOString(),
  };
}

describe('who vouches for a key, as the client sees it', () => {
  it('an unattested key is in the log but vouched for by nobody; once a certified admin attests it, by them', async () => {
    expect(await jordan.checkKeysOf(morgan.userId)).toEqual({ ok: true, fingerprint: morgan.fingerprint, trust: { vouched: false, reason: 'not_attested' } });
    // Morgan is police, whose agency has no admin in the demo: the system admin attests.
    expect((await sam.attest(morgan)).status).toBe(204);
    expect(await jordan.checkKeysOf(morgan.userId)).toEqual({
      ok: true,
      fingerprint: morgan.fingerprint,
      trust: { vouched: true, by: { kind: 'attested', adminId: sam.userId, role: 'system_admin', agencyId: null } },
    });
    // An admin's own keys are vouched for by their certificate.
    expect(await jordan.checkKeysOf(priya.userId)).toMatchObject({ ok: true, trust: { vouched: true, by: { kind: 'certified', adminId: priya.userId } } });
  });
});

describe('the malicious server, holding the key log key', () => {
  it('replaces an attested key with its own, correctly logged: in the log, but vouched for by nobody', async () => {
    const entry = fakeEntry(morgan.userId, null);
    await logAsServer(haven, entry);
    expect(await jordan.checkKeysOf(morgan.userId)).toEqual({ ok: true, fingerprint: entry.fingerprint, trust: { vouched: false, reason: 'not_attested' } });
  });

  it('attests its key as someone it certified as an admin itself (a certificate row signed by a root of its own): not certified', async () => {
    const rogue = generateIdentity();
    const ownRoot = generateIdentity();
    const cert: AdminCertificate = {
      v: 1,
      userId: jordan.userId,
      role: 'system_admin',
      agencyId: null,
      signPublicKey: publicIdentity(rogue).signPublicKey,
      issuedAt: new Date().toISOString(),
    };
    const sql = await rawClient(haven.database.url);
    try {
      await sql.query('insert into admin_certificates (user_id, certificate, signature, created_at) values ($1, $2, $3, now())', [
        jordan.userId,
        cert,
        certifyAdmin(cert, ownRoot.signPrivateKey),
      ]);
    } finally {
      await sql.end();
    }
    await logAsServer(haven, fakeEntry(morgan.userId, { by: jordan.userId, signWith: rogue }));
    expect(await jordan.checkKeysOf(morgan.userId)).toMatchObject({ ok: true, trust: { vouched: false, reason: 'attester_not_certified' } });
  });

  it('replays a real admin’s attestation of the real key onto its own key: not vouched for', async () => {
    // Sam's genuine attestation of Morgan's genuine key, copied from the log onto the fake.
    const sql = await rawClient(haven.database.url);
    let genuine: string;
    try {
      const rows = await sql.query<{ entry: KeyLogEntry }>(`select entry from key_log_leaves where user_id = $1 and entry->>'attestedBy' = $2 order by seq`, [
        morgan.userId,
        sam.userId,
      ]);
      genuine = rows.rows[0]?.entry.attestation ?? '';
    } finally {
      await sql.end();
    }
    expect(genuine).not.toBe('');
    const entry = { ...fakeEntry(morgan.userId, null), attestedBy: sam.userId, attestation: genuine };
    await logAsServer(haven, entry);
    expect(await jordan.checkKeysOf(morgan.userId)).toMatchObject({ ok: true, trust: { vouched: false, reason: 'bad_attestation' } });
  });

  it('has an admin of another agency attest: not vouched for (a council admin cannot vouch for a police officer)', async () => {
    // Priya really signs (a rogue or mistaken admin); only the server's policy stopped her before.
    const entry = fakeEntry(morgan.userId, { by: priya.userId, signWith: priya.keys });
    await logAsServer(haven, entry);
    expect(await jordan.checkKeysOf(morgan.userId)).toMatchObject({ ok: true, trust: { vouched: false, reason: 'attester_other_agency' } });
  });
});
