// Issue 17, items 4 and 5: the test plays the malicious database (raw SQL, as someone with a
// dump, a restore or SQL access would) and shows that the client code — the same pure checks the
// web client runs — refuses what was altered, and that the refusal reaches the system admins.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fromBase64Url, generateIdentity, ready, sealNote, SignatureError } from '../../crypto';
import type { SyncedMessage } from '../../server/realtime/events';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { AlteredOnServerError, listing, Practitioner, welfareRecord } from '../support/practitioner';

let haven: TestHaven;
const people = new People(() => haven);
const cast: Record<'jordan' | 'morgan' | 'alex', Practitioner> = {} as never;
const children = { lily: '', amara: '' };
const threads = { lily: '', amara: '' };

type ErrorBody = { error: { code: string } };
type ThreadAnswer = { thread: { id: string; childId: string }; messages: { id: string; envelope: Record<string, unknown> | null }[] };
type Notice = { id: string; kind: string; read: boolean };

async function childId(name: string): Promise<string> {
  const found = (await cast.jordan.api.get<{ children: { id: string }[] }>(`/api/children?name=${encodeURIComponent(name)}`)).body.children[0]?.id;
  if (!found) throw new Error(`no child called ${name}`);
  return found;
}

async function startThread(child: string): Promise<string> {
  const res = await cast.jordan.api.post<{ thread: { id: string } }>(`/api/children/${child}/threads`, {
    participants: [{ userId: cast.morgan.userId, needToKnowReason: 'Neighbourhood officer for the family' }],
    record: welfareRecord,
  });
  expect(res.status).toBe(201);
  return res.body.thread.id;
}

/** What a reader's client is given for a conversation: each message with where the server lists it. */
async function listedIn(reader: Practitioner, threadId: string) {
  const res = await reader.api.get<ThreadAnswer>(`/api/threads/${threadId}`);
  expect(res.status).toBe(200);
  return res.body.messages.map((m) => ({ id: m.id, threadId: res.body.thread.id, childId: res.body.thread.childId, envelope: m.envelope }));
}

async function sent(text: string): Promise<string> {
  const envelope = cast.jordan.seal({ id: threads.lily, childId: children.lily }, [cast.morgan], text);
  expect(await cast.jordan.send(envelope)).toMatchObject({ ok: true });
  await vi.waitFor(() => expect(cast.morgan.received.map((m) => m.id)).toContain(envelope.header.id));
  return envelope.header.id;
}

async function asDatabase<T>(work: (db: Awaited<ReturnType<typeof rawClient>>) => Promise<T>): Promise<T> {
  const db = await rawClient(haven.database.url);
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

async function samsNotices(): Promise<Notice[]> {
  const sam = await people.as('Sam');
  return (await sam.get<{ notices: Notice[] }>('/api/notices')).body.notices.filter((n) => n.kind === 'integrity_report');
}

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  for (const [key, name] of [
    ['jordan', 'Jordan'],
    ['morgan', 'Morgan'],
    ['alex', 'Alex'],
  ] as const) {
    cast[key] = new Practitioner(await people.as(name));
    await cast[key].publishKeys();
    await cast[key].connect();
  }
  children.lily = await childId('Lily Hartwell');
  children.amara = await childId('Amara Osei');
  threads.lily = await startThread(children.lily);
  threads.amara = await startThread(children.amara);
});
afterAll(async () => {
  for (const p of Object.values(cast)) p.disconnect();
  await haven.close();
});

describe('a message moved into another child’s conversation', () => {
  it('opens cleanly where it was sent, and is refused and reported once the database moves it', async () => {
    const id = await sent('Lily was upset at drop-off again');
    const before = (await listedIn(cast.morgan, threads.lily)).find((m) => m.id === id);
    if (!before) throw new Error('not listed');
    expect(cast.morgan.anotherDevice().open(before, cast.jordan)).toContain('upset at drop-off');
    const noticesBefore = (await samsNotices()).length;

    await asDatabase((db) => db.query('update messages set thread_id = $1, child_id = $2 where id = $3', [threads.amara, children.amara, id]));

    // Another device of Morgan's (nothing seen yet) loads Amara's conversation: the message is there, signed and sealed to Morgan.
    const fresh = cast.morgan.anotherDevice();
    const moved = (await listedIn(fresh, threads.amara)).find((m) => m.id === id);
    if (!moved) throw new Error('the moved message is not listed');
    expect(() => fresh.open(moved, cast.jordan)).toThrow(AlteredOnServerError);
    expect(await fresh.read(moved, cast.jordan)).toEqual({ altered: 'thread_differs', reportStatus: 201 });

    // The same message caught up over the socket is refused too: the sync lists it under Amara.
    const sync = (await cast.morgan.sync(0)) as { ok: true; messages: SyncedMessage[] };
    const synced = sync.messages.find((m) => m.id === id);
    expect(synced).toMatchObject({ threadId: threads.amara, childId: children.amara });
    expect(() => fresh.open(listing(synced), cast.jordan)).toThrow(/thread_differs/);

    // Only the child moved (the thread left alone): still refused.
    await asDatabase((db) => db.query('update messages set thread_id = $1, child_id = $2 where id = $3', [threads.lily, children.lily, id]));
    const lilyListing = (await listedIn(fresh, threads.lily)).find((m) => m.id === id);
    if (!lilyListing) throw new Error('not listed');
    expect(() => cast.morgan.anotherDevice().open({ ...lilyListing, childId: children.amara }, cast.jordan)).toThrow(/child_differs/);

    // The system admin is told, without any detail in the notice; the audit trail says which message.
    const notices = await samsNotices();
    expect(notices.length).toBe(noticesBefore + 1);
    expect(notices.at(-1)).toMatchObject({ kind: 'integrity_report', read: false });
    const audit = await asDatabase((db) =>
      db.query<{ actor_id: string; subject_id: string; detail: Record<string, unknown> }>(
        `select actor_id, subject_id, detail from audit_entries where action = 'integrity.report_received' order by seq`,
      ),
    );
    expect(audit.rows.at(-1)).toMatchObject({
      actor_id: cast.morgan.userId,
      subject_id: id,
      detail: expect.objectContaining({ kind: 'envelope_misplaced', reason: 'thread_differs', threadId: threads.amara }),
    });
  });
});

describe('one envelope served under two ids', () => {
  it('a copy row with a new id is refused, whichever is opened first, and reported', async () => {
    const id = await sent('Visit planned for Thursday');
    const copyId = randomUUID();
    await asDatabase((db) =>
      db.query(
        `insert into messages (id, thread_id, child_id, sender_id, header, envelope, signature, stored_at)
         select $1, thread_id, child_id, sender_id, header, envelope, signature, stored_at + interval '1 second' from messages where id = $2`,
        [copyId, id],
      ),
    );
    const listed = await listedIn(cast.morgan, threads.lily);
    const original = listed.find((m) => m.id === id);
    const copy = listed.find((m) => m.id === copyId);
    if (!original || !copy) throw new Error('both should be listed');

    // This device opened the original first: the copy is the same envelope seen again elsewhere.
    const device = cast.morgan.anotherDevice();
    expect(device.open(original, cast.jordan)).toBe('Visit planned for Thursday');
    expect(await device.read(copy, cast.jordan)).toEqual({ altered: 'id_seen_twice', reportStatus: 201 });
    // Listed again where it was, the original still opens (a reload is not an attack).
    expect(device.open(original, cast.jordan)).toBe('Visit planned for Thursday');

    // A device that meets the copy first: its signed id is not the id it is listed under.
    const other = cast.morgan.anotherDevice();
    expect(await other.read(copy, cast.jordan)).toEqual({ altered: 'id_differs', reportStatus: 201 });
  });
});

describe('POST /api/integrity-reports: only readers report, once, within a budget', () => {
  it('refuses people who do not read the conversation, messages not in it, and bad input', async () => {
    const id = await sent('Just checking in');
    const report = { kind: 'envelope_misplaced', messageId: id, threadId: threads.lily, reason: 'thread_differs' };
    // Alex is not in the conversation; Sam is a system admin, not a reader; Taylor, not verified yet, has no session that reaches the service.
    for (const [name, status] of [
      ['Alex', 403],
      ['Sam', 403],
      ['Taylor', 401],
    ] as const) {
      const res = await (await people.as(name)).post<ErrorBody>('/api/integrity-reports', report);
      expect(res.status, name).toBe(status);
    }
    // A message in another thread, or no message at all, is not found in this one.
    expect((await cast.morgan.api.post<ErrorBody>('/api/integrity-reports', { ...report, threadId: threads.amara })).status).toBe(404);
    expect((await cast.morgan.api.post<ErrorBody>('/api/integrity-reports', { ...report, messageId: randomUUID() })).body.error.code).toBe('message_not_found');
    for (const bad of [{}, { ...report, reason: 'because' }, { ...report, kind: 'other' }, { ...report, detail: 'x' }, { ...report, messageId: 'nope' }]) {
      expect((await cast.morgan.api.post<ErrorBody>('/api/integrity-reports', bad)).status).toBe(400);
    }
    // The first report alerts; the same again is kept once and alerts nobody.
    const notices = (await samsNotices()).length;
    expect((await cast.morgan.api.post('/api/integrity-reports', report)).body).toEqual({ reported: true, alerted: true });
    expect((await cast.morgan.api.post('/api/integrity-reports', report)).body).toEqual({ reported: true, alerted: false });
    expect((await samsNotices()).length).toBe(notices + 1);
  });

  it('answers 429 once a user has made 30 reports in an hour', async () => {
    const jordan = cast.jordan.api;
    await asDatabase((db) =>
      db.query(
        `insert into integrity_reports (reporter_id, kind, reason, subject_id, thread_id, created_at)
         select $1, 'envelope_misplaced', 'thread_differs', gen_random_uuid(), $2, now() from generate_series(1, 30)`,
        [cast.jordan.userId, threads.lily],
      ),
    );
    const id = await sent('One more');
    const res = await jordan.post<ErrorBody>('/api/integrity-reports', {
      kind: 'envelope_misplaced',
      messageId: id,
      threadId: threads.lily,
      reason: 'id_differs',
    });
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('too_many_reports');
  });
});

describe('a verbal-share summary replaced by the database', () => {
  it('is refused as not signed by the practitioner who recorded it, and reported', async () => {
    const shareId = randomUUID();
    const context = { shareId, childId: children.lily, senderId: cast.jordan.userId };
    const readers = [cast.jordan, cast.morgan].map((p) => ({ userId: p.userId, boxPublicKey: p.keys.boxPublicKey }));
    const summary = sealNote('Told PC Reid the mother has moved in with her sister', context, readers, {
      userId: cast.jordan.userId,
      signPrivateKey: cast.jordan.keys.signPrivateKey,
    });
    const recorded = await cast.jordan.api.post(`/api/children/${children.lily}/verbal-shares`, {
      id: shareId,
      occurredAt: new Date(Date.now() - 600_000).toISOString(),
      tier: 'welfare',
      participants: [{ userId: cast.morgan.userId, needToKnowReason: 'Neighbourhood officer for the address' }],
      record: welfareRecord,
      summary,
    });
    expect(recorded.status).toBe(201);
    type Entry = { id: string; sender: { id: string }; summary: unknown };
    const entryFor = async () =>
      (await cast.morgan.api.get<{ entries: Entry[] }>(`/api/children/${children.lily}/chronology`)).body.entries.find((e) => e.id === shareId) as Entry;
    expect(cast.morgan.openSummary(await entryFor(), children.lily, cast.jordan)).toEqual({
      text: expect.stringContaining('moved in with her sister'),
      signed: true,
    });

    // The database's own key seals a different summary, correctly encrypted to both readers, in the same context.
    const server = generateIdentity();
    const forged = sealNote('Nothing of concern was shared', context, readers, { userId: cast.jordan.userId, signPrivateKey: server.signPrivateKey });
    await asDatabase(async (db) => {
      await db.query('alter table share_log disable trigger share_log_immutable');
      try {
        await db.query('update share_log set summary = $1 where id = $2', [JSON.stringify(forged), shareId]);
      } finally {
        await db.query('alter table share_log enable trigger share_log_immutable');
      }
    });
    const replaced = await entryFor();
    expect(replaced.summary).toEqual(forged);
    expect(() => cast.morgan.openSummary(replaced, children.lily, cast.jordan)).toThrow(SignatureError);
    const notices = (await samsNotices()).length;
    expect(await cast.morgan.readSummary(replaced, children.lily, cast.jordan)).toEqual({ altered: 'signature_invalid', reportStatus: 201 });
    expect((await samsNotices()).length).toBe(notices + 1);

    // Someone the share was not with cannot report it.
    expect((await cast.alex.api.post('/api/integrity-reports', { kind: 'summary_not_signed', shareId, reason: 'signature_invalid' })).status).toBe(403);
    // The forged note's readers could open it without the signature check: the check is what refuses it.
    const { openNote } = await import('../../crypto');
    expect(() =>
      openNote(forged, context, { userId: cast.morgan.userId, ...cast.morgan.keys }, { userId: cast.jordan.userId, signPublicKey: server.signPublicKey }),
    ).not.toThrow();
    expect(fromBase64Url(forged.signature)).toHaveLength(64);
  });
});
