import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attachmentDescriptor,
  attachmentExpectation,
  attachmentPaddedBytes,
  decodeBody,
  decryptAttachment,
  encodeBodyWithAttachments,
  encryptAttachment,
  newAttachmentKey,
  openNote,
  ready,
  sealNote,
  type SealedNoteV2,
} from '../../crypto';
import { sweepUnsentUploads } from '../../server/attachments';
import { buildExport } from '../../server/subject-access/export';
import { runRetention } from '../../server/retention/retention.service';
import { ageChild, bornYearsAgo } from '../support/aged-children';
import { eq } from 'drizzle-orm';
import { children } from '../../server/db/schema';
import type { ApiClient } from '../support/client';
import { expectClearClientError } from '../support/clear-error';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, startConversation, welfareRecord } from '../support/practitioner';

// Files on a verbal share itself (issue 21): uploaded for a verbal share about a child (no
// conversation), described inside the signed, sealed summary, readable by exactly the recorder and
// the Haven users who took part, kept past the 24-hour sweep of unsent uploads.

const CANARY = `CANARY-verbal-file-${randomUUID()}`;
let haven: TestHaven;
const people = new People(() => haven);
const cast: Record<'jordan' | 'morgan' | 'sam', Practitioner> = {} as never;
const ids = { lily: '', amara: '', callum: '' };

type Upload = { id: string; threadId: string | null; childId: string; size: number; received: number; complete: boolean; sent: boolean };
type UploadAnswer = { upload: Upload };
type ErrorBody = { error: { code: string; message: string; issues?: { path: string }[] } };
type Entry = { id: string; summary: SealedNoteV2 | null };

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  for (const [key, name] of [
    ['jordan', 'Jordan'],
    ['morgan', 'Morgan'],
    ['sam', 'Sam'],
  ] as const) {
    cast[key] = new Practitioner(await people.as(name));
    await cast[key].publishKeys();
  }
  for (const [key, name] of [
    ['lily', 'Lily+Hartwell'],
    ['amara', 'Amara+Osei'],
    ['callum', 'Callum'],
  ] as const) {
    ids[key] = (await cast.jordan.api.get<{ children: { id: string }[] }>(`/api/children?name=${name}`)).body.children[0]?.id ?? '';
    expect(ids[key], name).not.toBe('');
  }
}, 120_000);
afterAll(() => haven.close());

function fileOf(size: number): Uint8Array {
  const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 17 + 3) % 251);
  bytes.set(new TextEncoder().encode(CANARY).subarray(0, size));
  return bytes;
}

/** Uploads a whole file for a verbal share about `childId`; returns what the summary describes. */
async function uploadForShare(api: ApiClient, childId: string, plaintext: Uint8Array, finish = true) {
  const res = await api.post<UploadAnswer>('/api/attachments', { childId, size: attachmentPaddedBytes(plaintext.length) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body.upload).toMatchObject({ threadId: null, childId, sent: false });
  const key = newAttachmentKey();
  const { bytes, hash } = encryptAttachment(plaintext, key, res.body.upload.id);
  const put = await api.putBytes<UploadAnswer>(`/api/attachments/${res.body.upload.id}/chunks?offset=0`, bytes);
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  if (finish) expect((await api.post<UploadAnswer>(`/api/attachments/${res.body.upload.id}/complete`)).status).toBe(200);
  return attachmentDescriptor({ fileId: res.body.upload.id, key, name: 'bruising-body-map.pdf', type: 'application/pdf', size: plaintext.length, hash });
}

type Descriptor = ReturnType<typeof attachmentDescriptor>;

/** The body of a verbal share by `by` with `to`, its summary carrying the files, sealed to them both. */
function verbalShare(
  by: Practitioner,
  to: Practitioner,
  childId: string,
  files: Descriptor[],
  options: { id?: string; documents?: boolean; summary?: boolean } = {},
) {
  const id = options.id ?? randomUUID();
  const text = encodeBodyWithAttachments({ text: 'Body map from the school nurse, as discussed by phone', attachments: files });
  const summary = sealNote(
    text,
    { shareId: id, childId, senderId: by.userId },
    [by, to].map((p) => ({ userId: p.userId, boxPublicKey: p.keys.boxPublicKey })),
    { userId: by.userId, signPrivateKey: by.keys.signPrivateKey },
  );
  const kinds = options.documents === false ? welfareRecord.kindsOfInformation : [...welfareRecord.kindsOfInformation, 'documents'];
  return {
    id,
    occurredAt: new Date(Date.now() - 600_000).toISOString(),
    tier: 'welfare',
    participants: [{ userId: to.userId, needToKnowReason: 'Neighbourhood officer for the address' }],
    record: { ...welfareRecord, kindsOfInformation: kinds },
    ...(options.summary === false ? {} : { summary }),
    attachments: files.map((f) => f.fileId),
  };
}

async function download(api: ApiClient, id: string) {
  return api.download(`/api/attachments/${id}/content`);
}

async function chunkRows(id: string): Promise<number> {
  const db = await rawClient(haven.database.url);
  try {
    return Number((await db.query<{ n: string }>('select count(*) as n from attachment_chunks where attachment_id = $1', [id])).rows[0]?.n);
  } finally {
    await db.end();
  }
}

describe('files on a verbal share', () => {
  it('Jordan logs a verbal share with a file; Morgan, who took part, opens the summary and downloads identical bytes; nobody else can', async () => {
    const plaintext = fileOf(40_000);
    const file = await uploadForShare(cast.jordan.api, ids.lily, plaintext);
    // Before the share is logged only the uploader may read it.
    expect((await download(cast.morgan.api, file.fileId)).status).toBe(403);

    const body = verbalShare(cast.jordan, cast.morgan, ids.lily, [file]);
    const res = await cast.jordan.api.post<{ entry: Entry } & ErrorBody>(`/api/children/${ids.lily}/verbal-shares`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    // A resend of the same share is the same entry, not a second use of the file.
    expect((await cast.jordan.api.post(`/api/children/${ids.lily}/verbal-shares`, body)).status).toBe(200);

    // Morgan finds the share in their chronology, opens the summary, and the file from its descriptor.
    const entries = (await cast.morgan.api.get<{ entries: Entry[] }>(`/api/children/${ids.lily}/chronology`)).body.entries;
    const entry = entries.find((e) => e.id === body.id);
    if (!entry?.summary) throw new Error('the share or its summary is missing from Morgan’s chronology');
    const opened = openNote(
      entry.summary,
      { shareId: body.id, childId: ids.lily, senderId: cast.jordan.userId },
      { userId: cast.morgan.userId, ...cast.morgan.keys },
      { userId: cast.jordan.userId, signPublicKey: cast.jordan.keys.signPublicKey },
    );
    const described = decodeBody(opened.text).attachments[0];
    if (!described) throw new Error('the summary carries no file');
    const got = await download(cast.morgan.api, described.fileId);
    expect(got.status).toBe(200);
    expect(Buffer.from(decryptAttachment(got.bytes, attachmentExpectation(described))).equals(Buffer.from(plaintext))).toBe(true);
    expect((await download(cast.jordan.api, file.fileId)).status).toBe(200);

    // Sam took no part: refused, and the file can no longer be changed or cancelled by its uploader.
    const sam = await download(cast.sam.api, file.fileId);
    expect(sam.status).toBe(403);
    expect((await cast.jordan.api.post<ErrorBody>(`/api/attachments/${file.fileId}/cancel`)).body.error.code).toBe('attachment_sent');

    // Audited: the share names its files; the download names the share.
    const db = await rawClient(haven.database.url);
    try {
      const shared = await db.query<{ detail: { attachments?: string[] } }>(
        `select detail from audit_entries where action = 'share.verbal_recorded' and detail ->> 'shareId' = $1`,
        [body.id],
      );
      expect(shared.rows[0]?.detail.attachments).toEqual([file.fileId]);
      const downloads = await db.query<{ actor_id: string }>(
        `select actor_id from audit_entries where action = 'attachment.downloaded' and detail ->> 'attachmentId' = $1 and detail ->> 'shareId' = $2`,
        [file.fileId, body.id],
      );
      expect(downloads.rows.map((r) => r.actor_id).sort()).toEqual([cast.jordan.userId, cast.morgan.userId].sort());
    } finally {
      await db.end();
    }
  });

  it('refuses a share whose files are not in a summary, whose record does not name documents, or that names a file twice', async () => {
    const file = await uploadForShare(cast.jordan.api, ids.lily, fileOf(1000));
    const post = (body: unknown) => cast.jordan.api.post<ErrorBody>(`/api/children/${ids.lily}/verbal-shares`, body);
    const noSummary = await post(verbalShare(cast.jordan, cast.morgan, ids.lily, [file], { summary: false }));
    expect(noSummary.status).toBe(400);
    expect(noSummary.body.error.issues?.[0]?.path).toBe('summary');
    expectClearClientError(noSummary, 'files without a summary');
    const noDocuments = await post(verbalShare(cast.jordan, cast.morgan, ids.lily, [file], { documents: false }));
    expect(noDocuments.status).toBe(400);
    expect(noDocuments.body.error.issues?.[0]?.path).toBe('record.kindsOfInformation');
    const twice = verbalShare(cast.jordan, cast.morgan, ids.lily, [file]);
    const dup = await post({ ...twice, attachments: [file.fileId, file.fileId] });
    expect(dup.status).toBe(400);
    for (const attachments of [[], ['not-a-uuid'], 'x', Array.from({ length: 21 }, () => randomUUID())]) {
      const bad = await post({ ...twice, attachments });
      expect(bad.status, JSON.stringify(attachments)).toBe(400);
      expectClearClientError(bad, 'bad attachments list');
    }
    // Nothing was logged and the file is still unsent, so the good share goes through afterwards.
    expect((await post(twice)).status).toBe(201);
  });

  it('refuses files that are not the recorder’s own finished uploads for a verbal share about this child', async () => {
    const post = (body: unknown) => cast.jordan.api.post<ErrorBody>(`/api/children/${ids.lily}/verbal-shares`, body);
    // Morgan's upload.
    const morgans = await uploadForShare(cast.morgan.api, ids.lily, fileOf(500));
    expect((await post(verbalShare(cast.jordan, cast.morgan, ids.lily, [morgans]))).body.error.code).toBe('not_the_uploader');
    // An upload for another child.
    const amaras = await uploadForShare(cast.jordan.api, ids.amara, fileOf(500));
    expect((await post(verbalShare(cast.jordan, cast.morgan, ids.lily, [amaras]))).body.error.code).toBe('attachment_other_child');
    // An upload for a conversation.
    const thread = await startConversation(cast.jordan, [cast.morgan], 'Lily Hartwell');
    const inThread = await cast.jordan.api.post<UploadAnswer>('/api/attachments', { threadId: thread.id, size: attachmentPaddedBytes(10) });
    const key = newAttachmentKey();
    const enc = encryptAttachment(fileOf(10), key, inThread.body.upload.id);
    await cast.jordan.api.putBytes(`/api/attachments/${inThread.body.upload.id}/chunks?offset=0`, enc.bytes);
    await cast.jordan.api.post(`/api/attachments/${inThread.body.upload.id}/complete`);
    const threadFile = attachmentDescriptor({ fileId: inThread.body.upload.id, key, name: 'a.pdf', type: 'application/pdf', size: 10, hash: enc.hash });
    expect((await post(verbalShare(cast.jordan, cast.morgan, ids.lily, [threadFile]))).body.error.code).toBe('attachment_other_thread');
    // An unfinished upload.
    const unfinished = await uploadForShare(cast.jordan.api, ids.lily, fileOf(500), false);
    const refused = await post(verbalShare(cast.jordan, cast.morgan, ids.lily, [unfinished]));
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('upload_incomplete');
    // One that does not exist.
    const ghost = { ...unfinished, fileId: randomUUID() };
    expect((await post(verbalShare(cast.jordan, cast.morgan, ids.lily, [ghost]))).status).toBe(404);
    // And an upload for a verbal share cannot go into a message either (the socket send is checked the same way).
    const forShare = await uploadForShare(cast.jordan.api, ids.lily, fileOf(300));
    await cast.jordan.connect();
    const envelope = cast.jordan.seal(thread, [cast.morgan], encodeBodyWithAttachments({ text: 'see attached', attachments: [forShare] }), {
      record: { ...welfareRecord, kindsOfInformation: ['documents'] },
    });
    const socket = cast.jordan.socket;
    if (!socket) throw new Error('not connected');
    const sent = await socket.timeout(10_000).emitWithAck('share:send', { envelope, attachments: [forShare.fileId] });
    expect(sent).toMatchObject({ ok: false, error: { code: 'attachment_other_thread' } });
    cast.jordan.disconnect();
  });

  it('starting an upload names exactly one of a conversation or a child, one the uploader may share about', async () => {
    const size = attachmentPaddedBytes(100);
    const both = await cast.jordan.api.post<ErrorBody>('/api/attachments', { childId: ids.lily, threadId: randomUUID(), size });
    expect(both.status).toBe(400);
    expectClearClientError(both, 'both a thread and a child');
    const neither = await cast.jordan.api.post<ErrorBody>('/api/attachments', { size });
    expect(neither.status).toBe(400);
    expect((await cast.jordan.api.post<ErrorBody>('/api/attachments', { childId: randomUUID(), size })).status).toBe(404);
    // A child at risk of offending: designated officers on the case only.
    const ruth = new Practitioner(await people.as('Ruth'));
    expect((await ruth.api.post(`/api/children/${ids.callum}/offending-risk`, { reason: 'Referral from the youth offending panel' })).status).toBe(200);
    const refused = await cast.jordan.api.post<ErrorBody>('/api/attachments', { childId: ids.callum, size });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('not_designated_officer');
    const alex = await people.as('Alex');
    expect((await alex.post<ErrorBody>('/api/attachments', { childId: ids.callum, size })).body.error.code).toBe('not_on_case');
    expect((await ruth.api.post<UploadAnswer>('/api/attachments', { childId: ids.callum, size })).status).toBe(201);
  });

  it('of eight shares racing to carry the same file, exactly one is logged with it', async () => {
    const file = await uploadForShare(cast.jordan.api, ids.lily, fileOf(700));
    const bodies = Array.from({ length: 8 }, () => verbalShare(cast.jordan, cast.morgan, ids.lily, [file]));
    const results = await Promise.all(bodies.map((b) => cast.jordan.api.post<ErrorBody>(`/api/children/${ids.lily}/verbal-shares`, b)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 201)) expect(r.body.error.code).toBe('attachment_sent');
    const db = await rawClient(haven.database.url);
    try {
      const logged = await db.query<{ n: string }>('select count(*) as n from share_log where id = any($1::uuid[])', [bodies.map((b) => b.id)]);
      expect(Number(logged.rows[0]?.n)).toBe(1);
    } finally {
      await db.end();
    }
  });

  it('a correction cannot add files', async () => {
    const body = verbalShare(cast.jordan, cast.morgan, ids.lily, []);
    const { attachments: _none, ...plain } = body;
    const summaryless = { ...plain, summary: undefined, record: welfareRecord };
    expect((await cast.jordan.api.post(`/api/children/${ids.lily}/verbal-shares`, summaryless)).status).toBe(201);
    const file = await uploadForShare(cast.jordan.api, ids.lily, fileOf(200));
    const replacement = verbalShare(cast.jordan, cast.morgan, ids.lily, [file]);
    const res = await cast.jordan.api.post<ErrorBody>(`/api/shares/${body.id}/corrections`, { reason: 'Forgot to add the body map', replacement });
    expect(res.status).toBe(400);
    expect(res.body.error.issues?.[0]?.path).toBe('replacement.attachments');
  });

  it('a logged verbal share’s files outlive the 24-hour sweep of unsent uploads; subject access lists them; retention destroys them', async () => {
    const unsent = await uploadForShare(cast.jordan.api, ids.amara, fileOf(300));
    const kept = await uploadForShare(cast.jordan.api, ids.amara, fileOf(300));
    expect((await cast.jordan.api.post(`/api/children/${ids.amara}/verbal-shares`, verbalShare(cast.jordan, cast.morgan, ids.amara, [kept]))).status).toBe(201);
    await sweepUnsentUploads({ ...haven.ctx, clock: () => new Date(Date.now() + 25 * 3_600_000) });
    expect(await chunkRows(unsent.fileId)).toBe(0);
    expect(await chunkRows(kept.fileId)).toBe(1);
    expect((await download(cast.morgan.api, kept.fileId)).status).toBe(200);

    const [child] = await haven.ctx.db.select().from(children).where(eq(children.id, ids.amara));
    if (!child) throw new Error('no Amara');
    const exported = JSON.stringify(await buildExport(haven.ctx.db, child, new Date()));
    expect(exported).toContain('attached to a logged verbal share');
    expect(exported).toContain(kept.fileId);

    // At 19 her records go, the share and its file with them (the foreign key to the share would refuse otherwise).
    await ageChild(haven.database.url, ids.amara, bornYearsAgo(20));
    const run = await runRetention(haven.ctx, { dryRun: false, triggeredBy: null });
    // Both of this test's files and any earlier test left for her.
    expect(run.children.find((c) => c.childId === ids.amara)?.counts.attachments).toBeGreaterThanOrEqual(2);
    expect(await chunkRows(kept.fileId)).toBe(0);
    const db = await rawClient(haven.database.url);
    try {
      expect((await db.query('select 1 from attachments where child_id = $1', [ids.amara])).rowCount).toBe(0);
      expect((await db.query('select 1 from share_log where child_id = $1', [ids.amara])).rowCount).toBe(0);
    } finally {
      await db.end();
    }
  });
});
