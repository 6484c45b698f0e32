import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backupKeys,
  generateIdentity,
  keyFingerprint,
  newRecoveryKey,
  publicIdentity,
  ready,
  restoreKeys,
  restoreKeysWithRecoveryKey,
  wrapKeysWithRecoveryKey,
  type KeyBackup,
} from '../../crypto';
import type { ApiClient } from '../support/client';
import { startTestHaven, type TestHaven } from '../support/haven';
import { keyPublicationBody } from '../support/keys';
import { mailEnv } from '../support/mail-outbox';
import { People } from '../support/people';
import { Practitioner, listing, startConversation } from '../support/practitioner';
import { recoveryLinkSentTo, useRecoveryLink } from '../support/recovery';
import { TestSmtpServer } from '../support/smtp';

// Keys and history across a recovered second factor and a new browser (issue 20, part 4): with
// the passphrase, or with the printed recovery key, the person gets their own keys back and reads
// everything as before, with no key change; with neither, they make new keys, every colleague sees
// the change, the admin who recovered them attests it, and what was sealed to the old keys stays
// closed while what is sealed to the new ones opens.
const PASSPHRASE = 'the river in winter is slow';
let smtp: TestSmtpServer;
let haven: TestHaven;
const people = new People(() => haven);
let jordan: Practitioner;
let morgan: Practitioner;
let priya: Practitioner;
let thread: { id: string; childId: string };
let before: { id: string; text: string };
let recoveryKey: string;

type Synced = { ok: true; messages: NonNullable<Parameters<typeof listing>[0]>[] };

/** Priya recovers Jordan's lost authenticator; Jordan, on a new browser with nothing in it, uses the link. */
async function recoverJordan(): Promise<ApiClient> {
  const ask = await priya.api.post(`/api/users/${jordan.userId}/mfa-recovery`, {
    identityCheck: { method: 'video_call_photo_id', checkedAt: new Date().toISOString() },
    reason: 'Phone lost on a home visit',
  });
  expect(ask.status).toBe(201);
  const token = await recoveryLinkSentTo(haven, smtp, haven.account('Jordan').email);
  return (await useRecoveryLink(haven, token, haven.account('Jordan').password)).client;
}

/** The same person on the new browser, with these keys. */
async function onNewBrowser(api: ApiClient, keys: Practitioner['keys']): Promise<Practitioner> {
  const device = new Practitioner(api, keys);
  device.userId = jordan.userId;
  await device.connect();
  return device;
}

async function messageFromSync(device: Practitioner, id: string) {
  const synced = (await device.sync(0)) as Synced;
  return listing(synced.messages.find((m) => m.id === id));
}

beforeAll(async () => {
  await ready();
  smtp = await TestSmtpServer.start();
  haven = await startTestHaven({ seedDemo: true, env: mailEnv(smtp.url) });
  const [j, m, p] = await Promise.all(['Jordan', 'Morgan', 'Priya'].map(async (name) => new Practitioner(await people.as(name))));
  if (!j || !m || !p) throw new Error('demo people missing');
  [jordan, morgan, priya] = [j, m, p];
  for (const person of [jordan, morgan, priya]) await person.publishKeys();
  // Jordan's backup, under the passphrase and (a second wrapping) the printed recovery key.
  recoveryKey = newRecoveryKey();
  const backup: KeyBackup = {
    ...backupKeys(jordan.keys, jordan.userId, PASSPHRASE),
    recoveryKey: wrapKeysWithRecoveryKey(jordan.keys, jordan.userId, recoveryKey),
  };
  expect((await jordan.api.request('PUT', '/api/keys/backup', backup)).status).toBe(204);
  // History: Morgan writes to Jordan before anything is lost.
  thread = await startConversation(jordan, [morgan], 'Lily Hartwell');
  await morgan.connect();
  const envelope = morgan.seal(thread, [jordan], 'Seen at the school gate, all fine');
  expect(await morgan.send(envelope)).toMatchObject({ ok: true });
  before = { id: envelope.header.id, text: 'Seen at the school gate, all fine' };
});
afterAll(async () => {
  morgan?.disconnect();
  await haven?.close();
  await smtp?.stop();
});

describe('after a recovery, with the passphrase', () => {
  it('restores the same keys on the new browser: no key change for anyone, and all history opens', async () => {
    const api = await recoverJordan();
    const { backup } = (await api.get<{ backup: KeyBackup }>('/api/keys/backup')).body;
    const keys = restoreKeys(backup, jordan.userId, PASSPHRASE);
    expect(keyFingerprint(publicIdentity(keys))).toBe(jordan.fingerprint);
    expect((await api.get<{ keys: { fingerprint: string } }>('/api/keys/me')).body.keys.fingerprint).toBe(jordan.fingerprint);
    // Colleagues see the same key as before.
    expect(await morgan.checkKeysOf(jordan.userId)).toMatchObject({ ok: true, fingerprint: jordan.fingerprint });
    const device = await onNewBrowser(api, keys);
    expect(device.open(await messageFromSync(device, before.id), morgan)).toBe(before.text);
    device.disconnect();
  });
});

describe('after a recovery, with the printed recovery key instead of the forgotten passphrase', () => {
  it('restores the same keys from the second wrapping, and all history opens', async () => {
    const api = await recoverJordan();
    const { backup } = (await api.get<{ backup: KeyBackup }>('/api/keys/backup')).body;
    expect(() => restoreKeys(backup, jordan.userId, 'not the passphrase, forgotten')).toThrow();
    if (!backup.recoveryKey) throw new Error('the recovery key wrapping was not kept');
    // Typed back from the paper, in lower case with spaces.
    const keys = restoreKeysWithRecoveryKey(backup.recoveryKey, jordan.userId, recoveryKey.toLowerCase().replace(/-/g, ' '));
    expect(keyFingerprint(publicIdentity(keys))).toBe(jordan.fingerprint);
    const device = await onNewBrowser(api, keys);
    expect(device.open(await messageFromSync(device, before.id), morgan)).toBe(before.text);
    device.disconnect();
  });
});

describe('after a recovery, with neither', () => {
  it('makes new keys: colleagues see the change, the recovering admin attests it, old history stays closed and new history opens', async () => {
    const api = await recoverJordan();
    const fresh = generateIdentity();
    const device = new Practitioner(api, fresh);
    const published = await api.request<{ keys: { fingerprint: string } }>('PUT', '/api/keys/me', keyPublicationBody(jordan.userId, fresh, true));
    expect(published.status).toBe(201);
    device.userId = jordan.userId;
    const newFingerprint = keyFingerprint(publicIdentity(fresh));
    expect(newFingerprint).not.toBe(jordan.fingerprint);

    // Never a silent change: the colleague's client finds the new key in the log, vouched for by no one yet.
    expect(await morgan.checkKeysOf(jordan.userId)).toEqual({ ok: true, fingerprint: newFingerprint, trust: { vouched: false, reason: 'not_attested' } });

    // The admin who recovered Jordan sees the new keys against the recovery, and attests them.
    const listed = await priya.api.get<{ recoveries: { userId: string; status: string; newKeysFingerprint: string | null }[] }>('/api/mfa-recoveries');
    const latest = listed.body.recoveries.find((r) => r.userId === jordan.userId && r.status === 'completed');
    expect(latest?.newKeysFingerprint).toBe(newFingerprint);
    expect((await priya.attest({ userId: jordan.userId, fingerprint: newFingerprint })).status).toBe(204);
    expect(await morgan.checkKeysOf(jordan.userId)).toEqual({
      ok: true,
      fingerprint: newFingerprint,
      trust: { vouched: true, by: { kind: 'attested', adminId: priya.userId, role: 'agency_admin', agencyId: expect.any(String) as string } },
    });

    // What was sealed to the old keys cannot be opened with the new ones (the person is told so);
    // what is sealed to the new ones opens.
    await device.connect();
    const old = await messageFromSync(device, before.id);
    expect(() => device.open(old, morgan)).toThrow();
    const after = morgan.seal(thread, [device], 'Back in touch after the new phone');
    expect(await morgan.send(after)).toMatchObject({ ok: true });
    expect(device.open(await messageFromSync(device, after.header.id), morgan)).toBe('Back in touch after the new phone');
    device.disconnect();
  });
});
