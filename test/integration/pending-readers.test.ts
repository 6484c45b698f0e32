import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DecryptError,
  MalformedEnvelopeError,
  SignatureError,
  keyGrantSigningBytes,
  parseEnvelope,
  ready,
  toBase64Url,
  type Envelope,
  type KeyGrant,
} from '../../crypto';
import { sodium } from '../../crypto/sodium';
import { findUserByEmail } from '../../server/accounts/accounts.store';
import { confirmKeysAsAdmin } from '../support/confirm-keys';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, startConversation, welfareRecord } from '../support/practitioner';

// Issue 18 bug 1: a written record filed while another officer on the case has never signed in.
// The author's client files it for everyone with keys and names the others, signed, as pending
// (envelope v3); once they have keys, a reader of the record wraps its key for them (a key grant).
let haven: TestHaven;
const people = new People(() => haven);
let ruth: Practitioner;
let alex: Practitioner;
let morgan: Practitioner;
let jordan: Practitioner;
let callumId = '';
let fileId = '';
let filed: Envelope;

const offendingRecord = {
  ...welfareRecord,
  kindsOfInformation: ['offending_or_antisocial_behaviour'],
  schedule1Condition: 'preventing_or_detecting_unlawful_acts',
  legalGateway: 'crime_and_disorder_act_1998_s115',
};
const TEXT = 'Written record: told the police by phone that Callum was seen with the group under investigation.';
type Listed = { id: string; envelope: Record<string, unknown> | null; keyGrants: Record<string, unknown>[] };

async function specialFile(who: Practitioner): Promise<Listed[]> {
  const res = await who.api.get<{ records: Listed[] }>(`/api/children/${callumId}/special-file`);
  expect(res.status).toBe(200);
  return res.body.records;
}
const listed = (record: Listed | undefined) => {
  if (!record) throw new Error('the record is not in the special file');
  return { ...record, threadId: fileId, childId: callumId, kind: 'written_record' as const };
};

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  ruth = new Practitioner(await people.as('Ruth'));
  morgan = new Practitioner(await people.as('Morgan'));
  jordan = new Practitioner(await people.as('Jordan'));
  for (const p of [ruth, morgan, jordan]) {
    await p.publishKeys();
    await p.connect();
  }
  // Alex Carter, designated officer, has never signed in to Haven: no keys.
  alex = new Practitioner(await people.as('Alex'));
  alex.userId = (await findUserByEmail(haven.ctx.db, haven.account('Alex').email))?.id ?? '';
  callumId = (await ruth.api.get<{ children: { id: string }[] }>('/api/children?name=Callum+Byrne')).body.children[0]?.id ?? '';
  const marked = await ruth.api.post<{ specialFileId: string }>(`/api/children/${callumId}/offending-risk`, {
    reason: 'Referral from the youth offending panel',
  });
  fileId = marked.body.specialFileId;
  expect((await ruth.api.post(`/api/children/${callumId}/case-officers`, { userId: alex.userId, record: offendingRecord })).status).toBe(200);
});
afterAll(async () => {
  for (const p of [ruth, alex, morgan, jordan]) p.disconnect();
  await haven?.close();
});

describe('filing a written record while an officer on the case has no keys', () => {
  it('is refused when the keyless officer is named as a recipient, as before', async () => {
    // What the client did before: it could not seal to Alex at all. Even naming him with someone's key is refused.
    const asRecipient = ruth.seal({ id: fileId, childId: callumId }, [morgan], TEXT, {
      kind: 'written_record',
      tier: 'offending_risk',
      record: offendingRecord,
    });
    const header = { ...asRecipient.header, recipients: [{ userId: alex.userId, keyFingerprint: morgan.fingerprint }] };
    expect((await ruth.send({ ...asRecipient, header })).ok).toBe(false);
  });

  it('is stored for the author when the officer without keys is named as pending, and every officer gets a copy', async () => {
    filed = ruth.sealPending({ id: fileId, childId: callumId }, [], [alex.userId], TEXT, { record: offendingRecord });
    const ack = await ruth.send(filed);
    expect(ack).toMatchObject({ ok: true, duplicate: false });
    const [record] = await specialFile(ruth);
    expect(record?.keyGrants).toEqual([]);
    expect(ruth.open(listed(record), ruth)).toBe(TEXT);
    const db = await rawClient(haven.database.url);
    try {
      const copies = await db.query<{ user_id: string }>('select user_id from deliveries where message_id = $1 order by user_id', [filed.header.id]);
      expect(copies.rows.map((r) => r.user_id)).toEqual([ruth.userId, alex.userId].sort());
      const audit = await db.query<{ detail: { pending?: string[] } }>(
        `select detail from audit_entries where action = 'share.message_sent' and detail->>'messageId' = $1`,
        [filed.header.id],
      );
      expect(audit.rows[0]?.detail.pending).toEqual([alex.userId]);
    } finally {
      await db.end();
    }
  });

  it('refuses a pending list that is not exactly the officers without keys, and pending readers outside a special file', async () => {
    // Morgan is not on the case: the record would go to someone outside it.
    const withMorgan = ruth.sealPending({ id: fileId, childId: callumId }, [], [alex.userId, morgan.userId], TEXT, { record: offendingRecord });
    expect(await ruth.send(withMorgan)).toMatchObject({ ok: false });
    const conversation = await startConversation(ruth, [jordan], 'Lily Hartwell');
    const welfare = ruth.sealPending(conversation, [], [jordan.userId], 'hello', { kind: 'message', tier: 'welfare' });
    expect(await ruth.send(welfare)).toMatchObject({ ok: false, error: { code: 'pending_readers_special_file_only' } });
  });

  it('a pending list changed on the server breaks the author’s signature, so readers refuse it', () => {
    const envelope = parseEnvelope(filed);
    if (envelope.header.v !== 3) throw new Error('expected v3');
    const dropped = { ...envelope, header: { ...envelope.header, pending: [] as string[], recipients: envelope.header.recipients } };
    expect(() => ruth.open({ id: filed.header.id, threadId: fileId, childId: callumId, envelope: dropped }, ruth)).toThrow(MalformedEnvelopeError);
    const added = { ...envelope, header: { ...envelope.header, pending: [alex.userId, morgan.userId].sort() } };
    expect(() => ruth.open({ id: filed.header.id, threadId: fileId, childId: callumId, envelope: added }, ruth)).toThrow(SignatureError);
  });
});

describe('when the waiting officer has keys', () => {
  it('a grant is refused before Alex has keys, from a non-participant, for someone not pending, and when unsigned', async () => {
    // Alex publishes keys (his first sign-in), then connects.
    await alex.publishKeys();
    await alex.connect();
    // From Morgan, who is not on the case (and cannot read the record anyway): refused.
    const forgedByMorgan = forgeGrant(morgan, { userId: alex.userId, keyFingerprint: alex.fingerprint });
    expect(await morgan.sendGrant(forgedByMorgan)).toMatchObject({ ok: false, error: { code: 'not_a_participant' } });
    // From Ruth, for Morgan, whom the record does not name as pending.
    expect(await ruth.sendGrant(forgeGrant(ruth, { userId: morgan.userId, keyFingerprint: morgan.fingerprint }))).toMatchObject({
      ok: false,
      error: { code: 'not_pending' },
    });
    // From Alex for himself: he is not a reader the header names.
    expect(await alex.sendGrant(forgeGrant(alex, { userId: alex.userId, keyFingerprint: alex.fingerprint }))).toMatchObject({
      ok: false,
      error: { code: 'not_a_reader' },
    });
    // From Ruth, but with a signature that is not hers.
    const good = ruth.grantTo(filed, ruth, alex);
    expect(await ruth.sendGrant({ ...good, signature: toBase64Url(new Uint8Array(64)) })).toMatchObject({ ok: false, error: { code: 'signature_invalid' } });
    expect((await specialFile(ruth))[0]?.keyGrants).toEqual([]);
  });

  it('a grant written into the database by someone other than a reader the record names is refused by Alex’s client', async () => {
    const db = await rawClient(haven.database.url);
    try {
      const byMorgan = forgeGrant(morgan, { userId: alex.userId, keyFingerprint: alex.fingerprint });
      const unsigned = { ...ruth.grantTo(filed, ruth, alex), signature: toBase64Url(new Uint8Array(64)) };
      for (const [grant, error] of [
        [byMorgan, MalformedEnvelopeError],
        [unsigned, SignatureError],
      ] as const) {
        await db.query(`update messages set key_grants = jsonb_build_array($2::jsonb) where id = $1`, [filed.header.id, JSON.stringify(grant)]);
        const [record] = await specialFile(alex);
        expect(() => alex.openGranted(listed(record), ruth, [ruth, morgan])).toThrow(error);
      }
      // A grant wrapping some other key does not open the body the author signed.
      const other = { ...ruth.grantTo(filed, ruth, alex) };
      other.wrappedKey = toBase64Url(sodium().crypto_box_seal(sodium().randombytes_buf(32), alex.keys.boxPublicKey));
      const resigned = { ...other, signature: toBase64Url(sodium().crypto_sign_detached(keyGrantSigningBytes(other), ruth.keys.signPrivateKey)) };
      await db.query(`update messages set key_grants = jsonb_build_array($2::jsonb) where id = $1`, [filed.header.id, JSON.stringify(resigned)]);
      const [swapped] = await specialFile(alex);
      expect(() => alex.openGranted(listed(swapped), ruth, [ruth])).toThrow(DecryptError);
    } finally {
      await db.query(`update messages set key_grants = '[]'::jsonb where id = $1`, [filed.header.id]);
      await db.end();
    }
  });

  it('Alex, now with keys, asks the officers who can read it; nobody else can ask', async () => {
    const asked = new Promise<{ messageId: string; threadId: string }>((resolve) => ruth.socket?.once('share:grant-wanted', resolve));
    const ask = (who: Practitioner) => who.socket?.timeout(10_000).emitWithAck('share:grant-wanted', { messageId: filed.header.id });
    expect(await ask(alex)).toEqual({ ok: true, asked: [ruth.userId] });
    expect(await asked).toEqual({ messageId: filed.header.id, threadId: fileId });
    expect(await ask(ruth)).toMatchObject({ ok: false, error: { code: 'not_pending' } });
    expect(await ask(morgan)).toMatchObject({ ok: false, error: { code: 'not_a_participant' } });
  });

  it('the author’s grant is stored, audited and announced, and Alex opens the record with it', async () => {
    // As the web client does before granting: Alex's keys are in the key log and an admin confirmed them.
    await confirmKeysAsAdmin(haven, [alex.userId]);
    expect(await ruth.checkKeysOf(alex.userId)).toMatchObject({ ok: true, trust: { vouched: true } });
    const announced = new Promise<{ messageId: string; grant: Record<string, unknown> }>((resolve) => alex.socket?.once('share:granted', resolve));
    const grant = ruth.grantTo(filed, ruth, alex);
    expect(await ruth.sendGrant(grant)).toMatchObject({ ok: true, messageId: filed.header.id, userId: alex.userId });
    expect((await announced).grant).toEqual(grant);
    const [record] = await specialFile(alex);
    expect(alex.openGranted(listed(record), ruth, [ruth])).toBe(TEXT);
    // Once is enough.
    expect(await ruth.sendGrant(ruth.grantTo(filed, ruth, alex))).toMatchObject({ ok: false, error: { code: 'already_granted' } });
    const db = await rawClient(haven.database.url);
    try {
      const audit = await db.query<{ actor_id: string; detail: { userId: string } }>(
        `select actor_id, detail from audit_entries where action = 'share.record_key_granted' and detail->>'messageId' = $1`,
        [filed.header.id],
      );
      expect(audit.rows).toEqual([{ actor_id: ruth.userId, detail: expect.objectContaining({ userId: alex.userId }) }]);
    } finally {
      await db.end();
    }
  });

  it('a record filed now that Alex has keys names nobody pending, and one still naming him is refused', async () => {
    await ruth.checkKeysOf(alex.userId);
    const stale = ruth.sealPending({ id: fileId, childId: callumId }, [], [alex.userId], TEXT, { record: offendingRecord });
    expect(await ruth.send(stale)).toMatchObject({ ok: false, error: { code: 'pending_readers_differ' } });
  });
});

/** A grant signed by `signer` under their own name, for `to`, of Ruth's record (the key inside is random: the signer cannot read it). */
function forgeGrant(signer: Practitioner, to: { userId: string; keyFingerprint: string }): KeyGrant {
  const s = sodium();
  const real = ruth.grantTo(filed, ruth, alex);
  const unsigned = {
    ...real,
    granterId: signer.userId,
    granterKeyFingerprint: signer.fingerprint,
    userId: to.userId,
    keyFingerprint: to.keyFingerprint,
    wrappedKey: toBase64Url(s.crypto_box_seal(s.randombytes_buf(32), alex.keys.boxPublicKey)),
  };
  return { ...unsigned, signature: toBase64Url(s.crypto_sign_detached(keyGrantSigningBytes(unsigned), signer.keys.signPrivateKey)) };
}
