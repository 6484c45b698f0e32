import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ready } from '../../crypto';
import type { Receipt, SyncedMessage } from '../../server/realtime/events';
import { eq } from 'drizzle-orm';
import { children } from '../../server/db/schema';
import { buildExport } from '../../server/subject-access/export';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { listing, Practitioner, welfareRecord } from '../support/practitioner';

const CANARY = 'CANARY-message-9b4e21';
const logLines: string[] = [];
const responses: string[] = [];
let haven: TestHaven;
const people = new People(() => haven);
const cast: Record<'jordan' | 'morgan' | 'ruth' | 'alex', Practitioner> = {} as never;
let lilyId = '';
let thread: { id: string; childId: string } = { id: '', childId: '' };

type ErrorBody = { error: { code: string; message: string } };

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true, logLines });
  for (const [key, name] of [
    ['jordan', 'Jordan'],
    ['morgan', 'Morgan'],
    ['ruth', 'Ruth'],
    ['alex', 'Alex'],
  ] as const) {
    cast[key] = new Practitioner(await people.as(name));
    await cast[key].publishKeys();
    await cast[key].connect();
  }
  lilyId = (await cast.jordan.api.get<{ children: { id: string }[] }>('/api/children?name=Lily+Hartwell')).body.children[0]?.id ?? '';
  const started = await cast.jordan.api.post<{ thread: { id: string; childId: string } }>(`/api/children/${lilyId}/threads`, {
    participants: [{ userId: cast.morgan.userId, needToKnowReason: 'Neighbourhood officer for the family' }, { userId: cast.ruth.userId }],
    record: welfareRecord,
  });
  expect(started.status).toBe(201);
  thread = started.body.thread;
});
afterAll(async () => {
  for (const p of Object.values(cast)) p.disconnect();
  await haven.close();
});

describe('conversations', () => {
  it('a thread is about one child between named practitioners, and starting it is a recorded share', async () => {
    const listed = await cast.morgan.api.get<{ threads: { id: string; participants: { name: string }[] }[] }>('/api/threads');
    expect(listed.body.threads.map((t) => t.id)).toContain(thread.id);
    const chronology = await cast.morgan.api.get<{ entries: { kind: string }[] }>(`/api/children/${lilyId}/chronology`);
    expect(chronology.body.entries.map((e) => e.kind)).toContain('thread_started');
    // Only participants see it.
    expect((await cast.alex.api.get<ErrorBody>(`/api/threads/${thread.id}`)).body.error.code).toBe('not_a_participant');
  });

  it('refuses a participant whose agency is not involved without a need-to-know reason', async () => {
    const res = await cast.jordan.api.post<ErrorBody>(`/api/children/${lilyId}/threads`, {
      participants: [{ userId: cast.alex.userId }],
      record: welfareRecord,
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('need_to_know_missing');
  });
});

describe('sending and receiving', () => {
  it('three practitioners exchange end-to-end encrypted messages; each opens what they receive', async () => {
    const envelope = cast.jordan.seal(thread, [cast.morgan, cast.ruth], `${CANARY}: Lily was upset at drop-off again`);
    const ack = await cast.jordan.send(envelope);
    responses.push(JSON.stringify(ack));
    expect(ack).toMatchObject({ ok: true, id: envelope.header.id, duplicate: false });
    for (const reader of [cast.morgan, cast.ruth]) {
      await vi.waitFor(() => expect(reader.received.map((m) => m.id)).toContain(envelope.header.id));
      const message = reader.received.find((m) => m.id === envelope.header.id);
      expect(reader.open(listing(message), cast.jordan)).toContain('upset at drop-off');
    }
    const reply = cast.morgan.seal(thread, [cast.jordan, cast.ruth], 'Thanks — I will visit this afternoon');
    expect(await cast.morgan.send(reply)).toMatchObject({ ok: true });
    await vi.waitFor(() => expect(cast.jordan.received.map((m) => m.id)).toContain(reply.header.id));
    expect(cast.jordan.open(listing(cast.jordan.received.find((m) => m.id === reply.header.id)), cast.morgan)).toBe('Thanks — I will visit this afternoon');
    // Someone outside the conversation could not open it even with the envelope.
    expect(() => cast.alex.open({ id: envelope.header.id, threadId: thread.id, childId: thread.childId, envelope: { ...envelope } }, cast.jordan)).toThrow();
  });

  it('an offline recipient catches up on reconnect, in order, with nothing missing', async () => {
    cast.ruth.disconnect();
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) {
      const env = cast.jordan.seal(thread, [cast.morgan, cast.ruth], `update ${i}`);
      expect(await cast.jordan.send(env)).toMatchObject({ ok: true });
      sent.push(env.header.id);
    }
    await cast.ruth.connect();
    const sync = (await cast.ruth.sync(0)) as { ok: true; messages: { id: string; seq: number }[]; more: boolean };
    expect(sync.ok).toBe(true);
    const ids = sync.messages.map((m) => m.id);
    expect(ids.slice(-5)).toEqual(sent);
    const seqs = sync.messages.map((m) => m.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    // Asking again from the cursor gives nothing new.
    const again = (await cast.ruth.sync(seqs.at(-1) ?? 0)) as { messages: unknown[] };
    expect(again.messages).toEqual([]);
  });

  it('a resend after a dropped connection never duplicates', async () => {
    const env = cast.jordan.seal(thread, [cast.morgan, cast.ruth], 'sent while the train went into a tunnel');
    // Send without waiting, then lose the connection straight away.
    cast.jordan.socket?.emit('share:send', { envelope: env }, () => undefined);
    cast.jordan.disconnect();
    await cast.jordan.connect();
    const first = await cast.jordan.send(env);
    const second = await cast.jordan.send(env);
    expect(first).toMatchObject({ ok: true, id: env.header.id });
    expect(second).toMatchObject({ ok: true, id: env.header.id, duplicate: true });
    const mine = (await cast.morgan.sync(0)) as { messages: { id: string }[] };
    expect(mine.messages.filter((m) => m.id === env.header.id)).toHaveLength(1);
  });

  it('the sender’s other devices get the message with its number; the connection it was sent on gets the ack alone', async () => {
    const otherDevice = cast.jordan.api.socket();
    const onOtherDevice: SyncedMessage[] = [];
    otherDevice.on('share:new', (message) => onOtherDevice.push(message));
    try {
      await new Promise<void>((resolve, reject) => otherDevice.once('connect', resolve).once('connect_error', reject));
      const env = cast.jordan.seal(thread, [cast.morgan, cast.ruth], 'sent from the office computer');
      const ack = (await cast.jordan.send(env)) as { ok: true; seq: number };
      expect(ack).toMatchObject({ ok: true, id: env.header.id });
      await vi.waitFor(() => expect(onOtherDevice.map((m) => m.id)).toContain(env.header.id));
      expect(onOtherDevice.find((m) => m.id === env.header.id)?.seq).toBe(ack.seq);
      await vi.waitFor(() => expect(cast.morgan.received.map((m) => m.id)).toContain(env.header.id));
      // Emitted in the same turn as the other device's copy: by now it would have arrived.
      expect(cast.jordan.received.map((m) => m.id)).not.toContain(env.header.id);
    } finally {
      otherDevice.close();
    }
  });
});

describe('refusals', () => {
  it.each([
    ['a tampered ciphertext', (p: Practitioner) => ({ ...p.seal(thread, [cast.morgan, cast.ruth], 'x'), ciphertext: 'A'.repeat(40) }), 'signature_invalid'],
    // Morgan's genuine envelope, which Jordan tries to pass off from his own session.
    ['someone else’s envelope', () => cast.morgan.seal(thread, [cast.jordan, cast.ruth], 'x'), 'not_the_sender'],
    ['missing recipients', (p: Practitioner) => p.seal(thread, [cast.morgan], 'x'), 'invalid_request'],
    [
      'another child',
      (p: Practitioner) => p.seal({ ...thread, childId: '00000000-0000-4000-8000-000000000000' }, [cast.morgan, cast.ruth], 'x'),
      'invalid_request',
    ],
    ['an offending-risk message', (p: Practitioner) => p.seal(thread, [cast.morgan, cast.ruth], 'x', { tier: 'offending_risk' }), 'wrong_share_kind'],
    [
      'an inconsistent share record',
      (p: Practitioner) =>
        p.seal(thread, [cast.morgan, cast.ruth], 'x', {
          record: {
            ...welfareRecord,
            article6Basis: 'consent',
            consent: { status: 'not_sought', exemption: 'emergency', exemptionDetail: 'Immediate danger to the child' },
          },
        }),
      'invalid_request',
    ],
    ['malformed input', () => ({ v: 2, nonsense: true }), 'malformed_envelope'],
  ] as const)('refuses %s with the reason', async (_label, make, code) => {
    const res = await cast.jordan.send(make(cast.jordan));
    expect(res).toMatchObject({ ok: false, error: { code } });
  });

  it('refuses a sender who is not in the conversation', async () => {
    const env = cast.alex.seal(thread, [cast.jordan, cast.morgan, cast.ruth], 'let me in');
    expect(await cast.alex.send(env)).toMatchObject({ ok: false, error: { code: 'not_a_participant' } });
  });

  it('refuses an envelope sealed to a recipient’s old key', async () => {
    const stale = cast.jordan.seal(thread, [cast.morgan, cast.ruth], 'x', {
      recipients: [cast.morgan, cast.ruth].sort((a, b) => (a.userId < b.userId ? -1 : 1)).map((p) => ({ userId: p.userId, keyFingerprint: 'ab'.repeat(32) })),
    });
    expect(await cast.jordan.send(stale)).toMatchObject({ ok: false, error: { code: 'recipient_key_changed' } });
  });
});

describe('receipts and revocation', () => {
  it('reports delivery and reading to the sender', async () => {
    const receipts: Receipt[] = [];
    cast.jordan.socket?.on('share:receipt', (r) => receipts.push(r));
    const env = cast.jordan.seal(thread, [cast.morgan, cast.ruth], 'please confirm you have this');
    await cast.jordan.send(env);
    await vi.waitFor(() => expect(cast.morgan.received.map((m) => m.id)).toContain(env.header.id));
    expect(await cast.morgan.socket?.timeout(5_000).emitWithAck('share:delivered', { ids: [env.header.id] })).toMatchObject({
      ok: true,
      acknowledged: [env.header.id],
    });
    expect(await cast.morgan.socket?.timeout(5_000).emitWithAck('share:read', { id: env.header.id })).toMatchObject({ ok: true });
    await vi.waitFor(() =>
      expect(receipts.map((r) => `${r.kind}:${r.userId}`)).toEqual(expect.arrayContaining([`delivered:${cast.morgan.userId}`, `read:${cast.morgan.userId}`])),
    );

    // Opening the conversation again later shows the sender the same receipts; nobody else sees any.
    type Listed = { messages: { id: string; receipts: { delivered: string[]; read: string[] } | null }[] };
    const asSender = await cast.jordan.api.get<Listed>(`/api/threads/${thread.id}`);
    expect(asSender.body.messages.find((m) => m.id === env.header.id)?.receipts).toEqual({ delivered: [cast.morgan.userId], read: [cast.morgan.userId] });
    const asRecipient = await cast.ruth.api.get<Listed>(`/api/threads/${thread.id}`);
    expect(asRecipient.body.messages.find((m) => m.id === env.header.id)?.receipts).toBeNull();
  });

  it('lets the sender revoke an unopened message; recipients see that it was revoked, not its content', async () => {
    const revoked: string[] = [];
    cast.morgan.socket?.on('share:revoked', ({ messageId }) => revoked.push(messageId));
    const env = cast.jordan.seal(thread, [cast.morgan, cast.ruth], 'sent to the wrong conversation');
    await cast.jordan.send(env);
    expect(await cast.morgan.socket?.timeout(5_000).emitWithAck('share:revoke', { id: env.header.id })).toMatchObject({
      ok: false,
      error: { code: 'not_the_sender' },
    });
    expect(await cast.jordan.socket?.timeout(5_000).emitWithAck('share:revoke', { id: env.header.id })).toMatchObject({ ok: true });
    await vi.waitFor(() => expect(revoked).toContain(env.header.id));
    const sync = (await cast.morgan.sync(0)) as { messages: { id: string; revoked: boolean; envelope: unknown }[] };
    expect(sync.messages.find((m) => m.id === env.header.id)).toMatchObject({ revoked: true, envelope: null });
    // The ciphertext is gone; the signed header (who was told what, on which footing) is kept for the record.
    const db = await rawClient(haven.database.url);
    try {
      const [row] = (await db.query<{ envelope: unknown; header: unknown }>('select envelope, header from messages where id = $1', [env.header.id])).rows;
      expect(row?.envelope).toBeNull();
      expect(row?.header).toEqual(JSON.parse(JSON.stringify(env.header)));
    } finally {
      await db.end();
    }
    // A subject-access export still gives its share record, as it does a live message's (read from inside the envelope).
    const [child] = await haven.ctx.db.select().from(children).where(eq(children.id, thread.childId));
    if (!child) throw new Error('no child');
    const events = (await buildExport(haven.ctx.db, child, new Date())).events;
    const expected = JSON.parse(JSON.stringify(welfareRecord)) as unknown;
    expect(events.filter((e) => e.kind === 'message_revoked').map((e) => e.detail['record'])).toContainEqual(expected);
    expect(events.filter((e) => e.kind === 'message').map((e) => e.detail['record'])).toContainEqual(expected);
  });

  it('refuses to revoke a message someone has opened (a correction is sent instead)', async () => {
    const env = cast.jordan.seal(thread, [cast.morgan, cast.ruth], 'opened before revoking');
    await cast.jordan.send(env);
    await cast.ruth.socket?.timeout(5_000).emitWithAck('share:read', { id: env.header.id });
    expect(await cast.jordan.socket?.timeout(5_000).emitWithAck('share:revoke', { id: env.header.id })).toMatchObject({
      ok: false,
      error: { code: 'already_opened' },
    });
    const correction = cast.jordan.seal(thread, [cast.morgan, cast.ruth], 'Correction: the visit is on Thursday', {
      corrects: env.header.id,
      correctionReason: 'Wrong day given',
    });
    expect(await cast.jordan.send(correction)).toMatchObject({ ok: true });
  });
});

describe('server blindness', () => {
  it('the canary appears nowhere in the database, the server logs or any server response', async () => {
    const view = await cast.morgan.api.get(`/api/threads/${thread.id}`);
    responses.push(JSON.stringify(view.body));
    const sync = await cast.morgan.sync(0);
    responses.push(JSON.stringify(sync));
    for (const text of responses) expect(text).not.toContain(CANARY);
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) expect(line).not.toContain(CANARY);
    const client = await rawClient(haven.database.url);
    try {
      const tables = (await client.query<{ tablename: string }>(`select tablename from pg_tables where schemaname = 'public'`)).rows;
      expect(tables.map((t) => t.tablename)).toContain('messages');
      for (const { tablename } of tables) {
        const dump = (await client.query<{ t: string }>(`select coalesce(string_agg(t::text, ''), '') as t from "${tablename}" t`)).rows[0]?.t ?? '';
        expect(dump, tablename).not.toContain(CANARY);
        expect(dump, tablename).not.toContain('upset at drop-off');
      }
    } finally {
      await client.end();
    }
  });
});

describe('send rate limits', () => {
  it('refuses sends beyond the per-user limit with a clear, retryable error', async () => {
    const limited = await startTestHaven({ seedDemo: true, env: { HAVEN_SENDS_PER_USER_PER_MINUTE: '3' } });
    const peopleHere = new People(() => limited);
    try {
      const a = new Practitioner(await peopleHere.as('Jordan'));
      const b = new Practitioner(await peopleHere.as('Morgan'));
      await a.publishKeys();
      await b.publishKeys();
      await a.connect();
      const child = (await a.api.get<{ children: { id: string }[] }>('/api/children?name=Lily+Hartwell')).body.children[0]?.id ?? '';
      const t = (
        await a.api.post<{ thread: { id: string; childId: string } }>(`/api/children/${child}/threads`, {
          participants: [{ userId: b.userId, needToKnowReason: 'Neighbourhood officer for the family' }],
          record: welfareRecord,
        })
      ).body.thread;
      const acks: { ok: boolean }[] = [];
      for (let i = 0; i < 5; i++) acks.push(await a.send(a.seal(t, [b], `message ${i}`)));
      expect(acks.map((r) => r.ok)).toEqual([true, true, true, false, false]);
      expect(acks[3]).toMatchObject({ ok: false, error: { code: 'too_many_messages' } });
      a.disconnect();
    } finally {
      await limited.close();
    }
  });
});
