import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attachmentDescriptor,
  attachmentExpectation,
  attachmentPaddedBytes,
  decodeBody,
  decryptAttachment,
  DecryptError,
  encodeBodyWithAttachments,
  encryptAttachment,
  newAttachmentKey,
  padmeBucket,
  ready,
} from '../../crypto';
import { eq } from 'drizzle-orm';
import { sweepUnsentUploads } from '../../server/attachments';
import { children } from '../../server/db/schema';
import { buildExport } from '../../server/subject-access/export';
import { runRetention } from '../../server/retention/retention.service';
import { shareRecord } from '../../server/shares/share-record';
import type { Ack } from '../../server/realtime/events';
import { ageChild, bornYearsAgo } from '../support/aged-children';
import type { ApiClient } from '../support/client';
import { expectClearClientError } from '../support/clear-error';
import { rawClient } from '../support/database';
import { holdUploadRow } from '../support/held-upload';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { listing, Practitioner, startConversation, welfareRecord } from '../support/practitioner';

const CANARY = 'CANARY-attachment-5f17c3e2';
let haven: TestHaven;
const people = new People(() => haven);
const cast: Record<'jordan' | 'morgan' | 'ruth' | 'alex', Practitioner> = {} as never;
let thread: { id: string; childId: string } = { id: '', childId: '' };

type Upload = { id: string; threadId: string; size: number; received: number; complete: boolean; sent: boolean };
type UploadAnswer = { upload: Upload };
type ErrorBody = { error: { code: string; message: string; received?: number } };

beforeAll(async () => {
  await ready();
  // A 1 MB limit and a 3 MB quota keep the limits testable with small files.
  haven = await startTestHaven({ seedDemo: true, env: { HAVEN_MAX_ATTACHMENT_MB: '1', HAVEN_ATTACHMENT_QUOTA_MB: '3' } });
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
  thread = await startConversation(cast.jordan, [cast.morgan, cast.ruth], 'Lily Hartwell');
}, 120_000);
afterAll(async () => {
  for (const p of Object.values(cast)) p.disconnect();
  await haven.close();
});

/** Some file content: the canary, then bytes that vary, `size` bytes in all. */
function fileOf(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) % 251;
  bytes.set(new TextEncoder().encode(CANARY).subarray(0, size));
  return bytes;
}

/** Starts an upload for a file of `plainSize` bytes and encrypts it under the id the server gave. */
async function startUpload(api: ApiClient, plaintext: Uint8Array) {
  const res = await api.post<UploadAnswer>('/api/attachments', { threadId: thread.id, size: attachmentPaddedBytes(plaintext.length) });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const key = newAttachmentKey();
  const { bytes, hash } = encryptAttachment(plaintext, key, res.body.upload.id);
  expect(bytes.length).toBe(res.body.upload.size);
  return { id: res.body.upload.id, key, bytes, hash };
}

async function putFrom(api: ApiClient, id: string, bytes: Uint8Array, from: number, piece = 256 * 1024): Promise<void> {
  for (let offset = from; offset < bytes.length; offset += piece) {
    const res = await api.putBytes<UploadAnswer>(`/api/attachments/${id}/chunks?offset=${offset}`, bytes.subarray(offset, offset + piece));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
}

async function uploadWhole(api: ApiClient, plaintext: Uint8Array) {
  const upload = await startUpload(api, plaintext);
  await putFrom(api, upload.id, upload.bytes, 0);
  expect((await api.post<UploadAnswer>(`/api/attachments/${upload.id}/complete`)).body.upload.complete).toBe(true);
  return upload;
}

/** A chunk request that dies after `sent` of its bytes: the connection is cut mid-body. */
async function cutUpload(api: ApiClient, id: string, offset: number, bytes: Uint8Array, sent: number): Promise<void> {
  if (!api.csrfToken) await api.refreshCsrf();
  const url = new URL(`${haven.url}/api/attachments/${id}/chunks?offset=${offset}`);
  await new Promise<void>((resolve) => {
    const req = request(url, {
      method: 'PUT',
      headers: {
        cookie: api.cookieHeader(),
        'x-csrf-token': api.csrfToken ?? '',
        'content-type': 'application/octet-stream',
        'content-length': String(bytes.length),
      },
    });
    req.on('error', () => resolve());
    req.on('response', () => resolve());
    req.write(bytes.subarray(0, sent), () => {
      // Give the server the partial body, then drop the connection as a failing network would.
      setImmediate(() => {
        req.destroy();
        resolve();
      });
    });
  });
}

async function statusOf(api: ApiClient, id: string): Promise<Upload> {
  const res = await api.get<UploadAnswer>(`/api/attachments/${id}`);
  expect(res.status).toBe(200);
  return res.body.upload;
}

async function chunkRows(id: string): Promise<number> {
  const client = await rawClient(haven.database.url);
  try {
    return (await client.query<{ n: number }>('select count(*)::int as n from attachment_chunks where attachment_id = $1', [id])).rows[0]?.n ?? -1;
  } finally {
    await client.end();
  }
}

describe('upload and download', () => {
  it('the uploader uploads an encrypted file in chunks and downloads exactly the stored ciphertext, which decrypts to the file; both audited', async () => {
    const plaintext = fileOf(200_000);
    const upload = await uploadWhole(cast.jordan.api, plaintext);
    const res = await cast.jordan.api.download(`/api/attachments/${upload.id}/content`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(Buffer.from(res.bytes).equals(Buffer.from(upload.bytes))).toBe(true);
    const opened = decryptAttachment(res.bytes, { key: upload.key, fileId: upload.id, size: plaintext.length, hash: upload.hash });
    expect(Buffer.from(opened).equals(Buffer.from(plaintext))).toBe(true);
    const client = await rawClient(haven.database.url);
    try {
      const audit = await client.query<{ action: string }>(
        `select action from audit_entries where action like 'attachment.%' and detail->>'attachmentId' = $1 order by seq`,
        [upload.id],
      );
      expect(audit.rows.map((r) => r.action)).toEqual(['attachment.uploaded', 'attachment.downloaded']);
    } finally {
      await client.end();
    }
  });

  it('an upload cut mid-chunk stores nothing of that chunk, and resumes from the last stored byte after the dropped connection', async () => {
    const plaintext = fileOf(300_000);
    const upload = await startUpload(cast.jordan.api, plaintext);
    const piece = 100_000;
    await cast.jordan.api.putBytes(`/api/attachments/${upload.id}/chunks?offset=0`, upload.bytes.subarray(0, piece));
    // The second request dies after 1, then after 54 321 bytes of its 100 000.
    for (const sent of [1, 54_321]) {
      await cutUpload(cast.jordan.api, upload.id, piece, upload.bytes.subarray(piece, 2 * piece), sent);
      expect((await statusOf(cast.jordan.api, upload.id)).received).toBe(piece);
    }
    expect(await chunkRows(upload.id)).toBe(1);
    // Finishing early is refused: nothing half-stored is ever a file.
    const early = await cast.jordan.api.post<ErrorBody>(`/api/attachments/${upload.id}/complete`);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('upload_incomplete');
    const resumeAt = (await statusOf(cast.jordan.api, upload.id)).received;
    await putFrom(cast.jordan.api, upload.id, upload.bytes, resumeAt, piece);
    expect((await cast.jordan.api.post<UploadAnswer>(`/api/attachments/${upload.id}/complete`)).status).toBe(200);
    const res = await cast.jordan.api.download(`/api/attachments/${upload.id}/content`);
    const opened = decryptAttachment(res.bytes, { key: upload.key, fileId: upload.id, size: plaintext.length, hash: upload.hash });
    expect(Buffer.from(opened).equals(Buffer.from(plaintext))).toBe(true);
  });

  it('eight writers at the same offset: exactly one is stored, the others are told where the upload stands', async () => {
    const plaintext = fileOf(70_000);
    const upload = await startUpload(cast.jordan.api, plaintext);
    const first = upload.bytes.subarray(0, 40_000);
    // Each racer sends different bytes, so the stored ones show whose write won.
    const racers = Array.from({ length: 8 }, (_, i) => {
      const bytes = first.slice();
      bytes[0] = i;
      return bytes;
    });
    const answers = await Promise.all(racers.map((bytes) => cast.jordan.api.putBytes<ErrorBody>(`/api/attachments/${upload.id}/chunks?offset=0`, bytes)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    for (const lost of answers.filter((a) => a.status === 409)) {
      expect(lost.body.error).toMatchObject({ code: 'wrong_offset', received: 40_000 });
    }
    const winner = answers.findIndex((a) => a.status === 200);
    expect((await statusOf(cast.jordan.api, upload.id)).received).toBe(40_000);
    expect(await chunkRows(upload.id)).toBe(1);
    await putFrom(cast.jordan.api, upload.id, upload.bytes, 40_000);
    await cast.jordan.api.post(`/api/attachments/${upload.id}/complete`);
    const res = await cast.jordan.api.download(`/api/attachments/${upload.id}/content`);
    expect(res.bytes[0]).toBe(winner);
  });

  it('eight completions of one upload at once: all answer complete, and it is audited as uploaded once', async () => {
    const plaintext = fileOf(50_000);
    const upload = await startUpload(cast.jordan.api, plaintext);
    await putFrom(cast.jordan.api, upload.id, upload.bytes, 0);
    const answers = await Promise.all(Array.from({ length: 8 }, () => cast.jordan.api.post<UploadAnswer>(`/api/attachments/${upload.id}/complete`)));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 8 }, () => 200));
    for (const answer of answers) expect(answer.body.upload).toMatchObject({ id: upload.id, complete: true, received: upload.bytes.length });
    const client = await rawClient(haven.database.url);
    try {
      const audit = await client.query<{ action: string }>(
        `select action from audit_entries where action like 'attachment.%' and detail->>'attachmentId' = $1`,
        [upload.id],
      );
      expect(audit.rows.map((r) => r.action)).toEqual(['attachment.uploaded']);
    } finally {
      await client.end();
    }
  });

  it('a tampered chunk is stored as sent (the server cannot read it) but refused by the decryptor', async () => {
    const plaintext = fileOf(150_000);
    const upload = await uploadWhole(cast.jordan.api, plaintext);
    const client = await rawClient(haven.database.url);
    try {
      // Flip one bit of the second 64 KiB chunk's ciphertext, as someone with the database could.
      await client.query(`update attachment_chunks set data = set_byte(data, 70000, get_byte(data, 70000) # 1) where attachment_id = $1 and "offset" = 0`, [
        upload.id,
      ]);
    } finally {
      await client.end();
    }
    const res = await cast.jordan.api.download(`/api/attachments/${upload.id}/content`);
    expect(res.status).toBe(200);
    expect(() => decryptAttachment(res.bytes, { key: upload.key, fileId: upload.id, size: plaintext.length, hash: upload.hash })).toThrow(DecryptError);
  });

  it('a stored piece deleted from the database, or one planted out of place: the download is cut short, never served with a hole', async () => {
    const plaintext = fileOf(150_000);
    const upload = await uploadWhole(cast.jordan.api, plaintext);
    expect(await chunkRows(upload.id)).toBe(1);
    // Three stored pieces instead of one, as a second upload of the same bytes in smaller requests makes them.
    const pieces = await startUpload(cast.jordan.api, plaintext);
    await putFrom(cast.jordan.api, pieces.id, pieces.bytes, 0, 60_000);
    await cast.jordan.api.post(`/api/attachments/${pieces.id}/complete`);
    expect(await chunkRows(pieces.id)).toBe(3);
    const whole = await cast.jordan.api.download(`/api/attachments/${pieces.id}/content`);
    expect(Buffer.from(whole.bytes).equals(Buffer.from(pieces.bytes))).toBe(true);
    const headless = await startUpload(cast.jordan.api, plaintext);
    await putFrom(cast.jordan.api, headless.id, headless.bytes, 0, 60_000);
    await cast.jordan.api.post(`/api/attachments/${headless.id}/complete`);

    const client = await rawClient(haven.database.url);
    try {
      await client.query(`delete from attachment_chunks where attachment_id = $1 and "offset" = 60000`, [pieces.id]);
      await client.query(`delete from attachment_chunks where attachment_id = $1 and "offset" = 0`, [headless.id]);
      // A piece of the other upload, planted where the first one's middle was.
      await client.query(
        `insert into attachment_chunks (attachment_id, "offset", length, data) select $1, 60000, length, data from attachment_chunks where attachment_id = $2`,
        [upload.id, upload.id],
      );
    } finally {
      await client.end();
    }
    for (const id of [pieces.id, upload.id]) {
      const cut = await downloadRaw(cast.jordan.api, id);
      // Refused before the first byte (an ordinary error answer) or cut short after it, depending on
      // how the stored bytes arrive from PostgreSQL: never a response that ends as if whole.
      expect([200, 500]).toContain(cut.status);
      expect(cut.complete && cut.status === 200, 'the response must not end as if whole').toBe(false);
      if (cut.status === 200) expect(cut.received).toBeLessThan(pieces.bytes.length);
      else expect(cut.body).toMatchObject({ error: { code: 'internal_error' } });
    }
    // The first piece gone: nothing can be sent, so the answer is an ordinary error, no stack trace.
    const refused = await downloadRaw(cast.jordan.api, headless.id);
    expect(refused).toMatchObject({ status: 500, received: expect.any(Number), body: { error: { code: 'internal_error' } } });
    expect(JSON.stringify(refused.body)).not.toMatch(/chunk|at .*\.ts/);
    expect((await cast.jordan.api.get('/api/session')).status).toBe(200);
  });

  it('a download abandoned after its first bytes leaves nothing held: many downloads after it all succeed', async () => {
    const plaintext = fileOf(400_000);
    const upload = await startUpload(cast.jordan.api, plaintext);
    await putFrom(cast.jordan.api, upload.id, upload.bytes, 0, 50_000);
    await cast.jordan.api.post(`/api/attachments/${upload.id}/complete`);
    // More abandoned downloads than the server has database connections (10).
    for (let i = 0; i < 12; i++) await downloadRaw(cast.jordan.api, upload.id, { stopAfter: 1 });
    const after = await Promise.all(Array.from({ length: 12 }, () => cast.jordan.api.download(`/api/attachments/${upload.id}/content`)));
    for (const res of after) expect(Buffer.from(res.bytes).equals(Buffer.from(upload.bytes))).toBe(true);
    expect((await cast.jordan.api.get('/api/session')).status).toBe(200);
  });
});

/**
 * A download over node:http, reporting whether the response ended whole (`complete`) or the
 * connection was cut; `stopAfter` abandons it after that many bytes.
 */
async function downloadRaw(
  api: ApiClient,
  id: string,
  options: { stopAfter?: number } = {},
): Promise<{ status: number; received: number; complete: boolean; body?: unknown }> {
  const url = new URL(`${haven.url}/api/attachments/${id}/content`);
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { cookie: api.cookieHeader() } }, (res) => {
      let received = 0;
      let settled = false;
      const pieces: Buffer[] = [];
      const settle = (complete: boolean) => {
        if (settled) return;
        settled = true;
        const body = res.statusCode === 200 ? undefined : (JSON.parse(Buffer.concat(pieces).toString('utf8') || 'null') as unknown);
        resolve({ status: res.statusCode ?? 0, received, complete, body });
      };
      res.on('data', (piece: Buffer) => {
        received += piece.length;
        if (res.statusCode !== 200) pieces.push(piece);
        if (options.stopAfter !== undefined && received >= options.stopAfter) {
          req.destroy();
          settle(false);
        }
      });
      res.on('end', () => settle(res.complete));
      res.on('aborted', () => settle(false));
      res.on('error', () => settle(false));
      res.on('close', () => settle(res.complete));
    });
    req.on('error', (error) => (options.stopAfter !== undefined ? undefined : reject(error)));
    req.end();
  });
}

describe('a request sent before the answer to the one before', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Where the tests below split their file: the first request carries the bytes before, the next those after. */
  const CUT = 40_000;

  /**
   * Starts an upload and its first request (the bytes before CUT) with the upload's row locked from
   * outside, as a slow disk or a busy database would hold the write up, so that the first append is
   * certainly still in progress while `during` sends the next requests; `firstPid` is the backend of
   * the first append's stuck update. The lock goes when `during` calls `release`, or after it.
   */
  async function withFirstAppendHeld<T>(
    during: (held: {
      upload: Awaited<ReturnType<typeof startUpload>>;
      first: Promise<{ status: number; body: ErrorBody & UploadAnswer }>;
      firstPid: number;
      client: Awaited<ReturnType<typeof rawClient>>;
      release: () => Promise<void>;
    }) => Promise<T>,
  ): Promise<T> {
    const upload = await startUpload(cast.jordan.api, fileOf(90_000));
    const held = await holdUploadRow(haven.database.url, upload.id);
    try {
      const first = cast.jordan.api.putBytes<ErrorBody & UploadAnswer>(`/api/attachments/${upload.id}/chunks?offset=0`, upload.bytes.subarray(0, CUT));
      const firstPid = await held.appendBlocked();
      return await during({ upload, first, firstPid, client: held.client, release: held.release });
    } finally {
      await held.end();
    }
  }

  /** Whether `answer` is still unanswered after a while (a request refused at once answers in milliseconds). */
  const stillWaiting = async (answer: Promise<unknown>) =>
    (await Promise.race([answer.then(() => 'answered'), sleep(400).then(() => 'waiting')])) === 'waiting';

  it('waits for the earlier request to be stored, then is stored after it; only the uploader’s request waits', async () => {
    const upload = await withFirstAppendHeld(async ({ upload, first, release }) => {
      const second = cast.jordan.api.putBytes<UploadAnswer>(`/api/attachments/${upload.id}/chunks?offset=${CUT}`, upload.bytes.subarray(CUT));
      expect(await stillWaiting(second)).toBe(true);
      // Another participant's request at the same offset is refused at once, not parked.
      const intruder = await cast.morgan.api.putBytes<ErrorBody>(`/api/attachments/${upload.id}/chunks?offset=${CUT}`, upload.bytes.subarray(CUT));
      expect(intruder.status).toBe(403);
      await release();
      const [a, b] = await Promise.all([first, second]);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect(b.body.upload.received).toBe(upload.bytes.length);
      return upload;
    });
    expect(await chunkRows(upload.id)).toBe(2);
    await cast.jordan.api.post(`/api/attachments/${upload.id}/complete`);
    const res = await cast.jordan.api.download(`/api/attachments/${upload.id}/content`);
    expect(Buffer.from(res.bytes).equals(Buffer.from(upload.bytes))).toBe(true);
  });

  it('one that arrives a moment before the request for the bytes before it waits for that one to arrive, and both are stored', async () => {
    const upload = await startUpload(cast.jordan.api, fileOf(90_000));
    const second = cast.jordan.api.putBytes<UploadAnswer>(`/api/attachments/${upload.id}/chunks?offset=${CUT}`, upload.bytes.subarray(CUT));
    // Well within the 250 ms a request ahead waits for the one before it to arrive.
    await sleep(50);
    const first = cast.jordan.api.putBytes<UploadAnswer>(`/api/attachments/${upload.id}/chunks?offset=0`, upload.bytes.subarray(0, CUT));
    const [a, b] = await Promise.all([first, second]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect((await statusOf(cast.jordan.api, upload.id)).received).toBe(upload.bytes.length);
    expect(await chunkRows(upload.id)).toBe(2);
  });

  it('twelve uploads at once, each with two requests in flight, more than the server has database connections: every one completes with its bytes', async () => {
    const uploads = await Promise.all(Array.from({ length: 12 }, (_, i) => startUpload(cast.jordan.api, fileOf(60_000 + i))));
    try {
      await Promise.all(
        uploads.map(async (upload) => {
          const put = (from: number, to: number) =>
            cast.jordan.api.putBytes<ErrorBody>(`/api/attachments/${upload.id}/chunks?offset=${from}`, upload.bytes.subarray(from, to));
          const third = Math.ceil(upload.bytes.length / 3);
          // Each request sent before the answer to the one before it, as the web client does.
          const first = put(0, third);
          const second = put(third, 2 * third);
          expect((await first).status).toBe(200);
          const last = put(2 * third, upload.bytes.length);
          expect((await second).status).toBe(200);
          expect((await last).status).toBe(200);
          expect((await cast.jordan.api.post<UploadAnswer>(`/api/attachments/${upload.id}/complete`)).body.upload.complete).toBe(true);
          const res = await cast.jordan.api.download(`/api/attachments/${upload.id}/content`);
          expect(Buffer.from(res.bytes).equals(Buffer.from(upload.bytes))).toBe(true);
        }),
      );
    } finally {
      // Their space back for the tests after (the quota here is 3 MB).
      for (const upload of uploads) await cast.jordan.api.post(`/api/attachments/${upload.id}/cancel`);
    }
  });

  it('eight of them at once behind one earlier request: exactly one is stored, the others are told where the upload stands', async () => {
    const { upload, answers } = await withFirstAppendHeld(async ({ upload, first, release }) => {
      const racers = Array.from({ length: 8 }, () =>
        cast.jordan.api.putBytes<ErrorBody>(`/api/attachments/${upload.id}/chunks?offset=${CUT}`, upload.bytes.subarray(CUT, CUT + 30_000)),
      );
      expect(await stillWaiting(Promise.race(racers))).toBe(true);
      await release();
      expect((await first).status).toBe(200);
      return { upload, answers: await Promise.all(racers) };
    });
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    for (const lost of answers.filter((a) => a.status === 409)) expect(lost.body.error).toMatchObject({ code: 'wrong_offset', received: CUT + 30_000 });
    expect(await chunkRows(upload.id)).toBe(2);
  });

  it('when the earlier request fails, the one behind it is refused with where the upload stands, and nothing of either is stored', async () => {
    const { upload, answers } = await withFirstAppendHeld(async ({ upload, first, firstPid, client }) => {
      const second = cast.jordan.api.putBytes<ErrorBody>(`/api/attachments/${upload.id}/chunks?offset=${CUT}`, upload.bytes.subarray(CUT));
      expect(await stillWaiting(second)).toBe(true);
      // The database gives up on the first request's write, as it would on a statement timeout.
      await client.query('select pg_cancel_backend($1)', [firstPid]);
      return { upload, answers: await Promise.all([first, second]) };
    });
    const [a, b] = answers;
    expect(a.status).toBe(500);
    expect(JSON.stringify(a.body)).not.toMatch(/at .*\.ts|canceling statement/);
    expect(b.status).toBe(409);
    expect(b.body.error).toMatchObject({ code: 'wrong_offset', received: 0 });
    expect((await statusOf(cast.jordan.api, upload.id)).received).toBe(0);
    expect(await chunkRows(upload.id)).toBe(0);
    // The upload goes on from where it stands.
    await putFrom(cast.jordan.api, upload.id, upload.bytes, 0);
    expect((await cast.jordan.api.post<UploadAnswer>(`/api/attachments/${upload.id}/complete`)).body.upload.complete).toBe(true);
  });
});

describe('bad input', () => {
  it('refuses an over-size file, a size that is not a padded bucket, and a file over the quota, each with a clear error; a cancelled upload frees its space', async () => {
    // The server sees only buckets, so it holds the limit at the bucket of the largest file: the next bucket up is refused.
    const tooBig = await cast.jordan.api.post<ErrorBody>('/api/attachments', {
      threadId: thread.id,
      size: padmeBucket(attachmentPaddedBytes(1024 * 1024) + 1),
    });
    expectClearClientError(tooBig, 'over-size');
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error.code).toBe('attachment_too_large');
    const notBucket = await cast.jordan.api.post<ErrorBody>('/api/attachments', { threadId: thread.id, size: attachmentPaddedBytes(500_000) - 1 });
    expectClearClientError(notBucket, 'not a bucket');
    expect(notBucket.status).toBe(400);

    // Ruth's own quota: 3 MB, so two files of 1 MB fit and a third does not.
    const ruth = cast.ruth.api;
    const size = attachmentPaddedBytes(1024 * 1024);
    const made: string[] = [];
    for (let i = 0; i < 2; i++) {
      const ok = await ruth.post<UploadAnswer>('/api/attachments', { threadId: thread.id, size });
      expect(ok.status).toBe(201);
      made.push(ok.body.upload.id);
    }
    const over = await ruth.post<ErrorBody>('/api/attachments', { threadId: thread.id, size });
    expectClearClientError(over, 'over quota');
    expect(over.status).toBe(413);
    expect(over.body.error.code).toBe('attachment_quota_exceeded');
    expect((await ruth.post(`/api/attachments/${made[0]}/cancel`)).status).toBe(204);
    expect((await ruth.post('/api/attachments', { threadId: thread.id, size })).status).toBe(201);
    // A cancelled upload's bytes are gone, and it says so.
    const gone = await ruth.get<ErrorBody>(`/api/attachments/${made[0]}`);
    expect(gone.status).toBe(410);
    expect(gone.body.error.code).toBe('attachment_deleted');
  });

  it('quota checks made at once cannot together overrun it', async () => {
    const morgan = cast.morgan.api;
    const size = attachmentPaddedBytes(1024 * 1024);
    const answers = await Promise.all(Array.from({ length: 6 }, () => morgan.post('/api/attachments', { threadId: thread.id, size })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(2);
    expect(answers.filter((a) => a.status === 413)).toHaveLength(4);
  });

  it('refuses an upload to a conversation the user is not in, wrong offsets, chunks past the end or not sent as bytes, and malformed ids', async () => {
    const notIn = await cast.alex.api.post<ErrorBody>('/api/attachments', { threadId: thread.id, size: attachmentPaddedBytes(10) });
    expectClearClientError(notIn, 'not in the conversation');
    expect(notIn.status).toBe(403);
    expect(notIn.body.error.code).toBe('not_a_participant');
    const upload = await startUpload(cast.jordan.api, fileOf(1000));
    const base = `/api/attachments/${upload.id}/chunks`;
    const cases: [string, Promise<{ status: number; body: unknown; headers: Headers }>, number][] = [
      ['offset ahead', cast.jordan.api.putBytes(`${base}?offset=10`, upload.bytes.subarray(10, 20)), 409],
      ['past the end', cast.jordan.api.putBytes(`${base}?offset=0`, new Uint8Array(upload.bytes.length + 1)), 400],
      ['no offset', cast.jordan.api.putBytes(base, upload.bytes.subarray(0, 10)), 400],
      ['negative offset', cast.jordan.api.putBytes(`${base}?offset=-1`, upload.bytes.subarray(0, 10)), 400],
      ['JSON, not bytes', cast.jordan.api.request('PUT', `${base}?offset=0`, { bytes: [1, 2, 3] }), 400],
      ['empty chunk', cast.jordan.api.putBytes(`${base}?offset=0`, new Uint8Array(0)), 400],
      ['malformed id', cast.jordan.api.putBytes('/api/attachments/not-an-id/chunks?offset=0', upload.bytes.subarray(0, 10)), 400],
      ['unknown id', cast.jordan.api.get('/api/attachments/00000000-0000-4000-8000-000000000000'), 404],
      ['download before complete', cast.jordan.api.get(`/api/attachments/${upload.id}/content`), 409],
      ['over 4 MiB', cast.jordan.api.putBytes(`${base}?offset=0`, new Uint8Array(4 * 1024 * 1024 + 1)), 413],
    ];
    for (const [label, answer, status] of cases) {
      const res = await answer;
      expectClearClientError(res as never, label);
      expect(res.status, label).toBe(status);
    }
    expect((await statusOf(cast.jordan.api, upload.id)).received).toBe(0);
    expect(await chunkRows(upload.id)).toBe(0);
  });
});

describe('who may touch an upload before it is sent', () => {
  it('only its uploader: another participant, someone outside the conversation and a signed-out client are refused every route', async () => {
    const upload = await uploadWhole(cast.jordan.api, fileOf(5000));
    const pending = await startUpload(cast.jordan.api, fileOf(5000));
    const anonymous = new (cast.jordan.api.constructor as new (url: string) => ApiClient)(haven.url);
    const rows: [string, (api: ApiClient) => Promise<{ status: number }>][] = [
      ['status', (api) => api.get(`/api/attachments/${pending.id}`)],
      ['append', (api) => api.putBytes(`/api/attachments/${pending.id}/chunks?offset=0`, pending.bytes)],
      ['complete', (api) => api.post(`/api/attachments/${pending.id}/complete`)],
      ['cancel', (api) => api.post(`/api/attachments/${pending.id}/cancel`)],
      ['download', (api) => api.download(`/api/attachments/${upload.id}/content`)],
    ];
    const unexpected: string[] = [];
    for (const [label, call] of rows) {
      for (const [who, api, expected] of [
        ['morgan (participant)', cast.morgan.api, 403],
        ['alex (not in it)', cast.alex.api, 403],
        ['signed out', anonymous, 401],
      ] as const) {
        const res = await call(api);
        if (res.status !== expected) unexpected.push(`${label} as ${who}: ${res.status}`);
      }
    }
    expect(unexpected).toEqual([]);
    // Nothing the refused calls did stuck, and the uploader still can.
    expect((await statusOf(cast.jordan.api, pending.id)).received).toBe(0);
    expect((await cast.jordan.api.download(`/api/attachments/${upload.id}/content`)).status).toBe(200);
  });
});

describe('at rest', () => {
  it('pg_dump of the database holds the encrypted chunks but neither the canary file’s bytes, nor its base64 or hex', async () => {
    const plaintext = fileOf(100_000);
    const upload = await uploadWhole(cast.jordan.api, plaintext);
    const { stdout } = await promisify(execFile)('pg_dump', ['--data-only', haven.database.url], { maxBuffer: 512 * 1024 * 1024 });
    const canary = Buffer.from(CANARY);
    // The dump has the table's rows (bytea as hex), so the absence below means something.
    expect(stdout).toContain(Buffer.from(upload.bytes.subarray(100, 200)).toString('hex'));
    for (const form of [CANARY, canary.toString('hex'), canary.toString('base64'), Buffer.from(plaintext.subarray(0, 4096)).toString('hex')]) {
      expect(stdout.includes(form), form.slice(0, 40)).toBe(false);
    }
    expect(stdout.toLowerCase().includes(canary.toString('hex').toLowerCase())).toBe(false);
    // The whole stored object is exactly what was uploaded.
    expect(upload.bytes.length).toBe(attachmentPaddedBytes(plaintext.length));
  });
});

const documentsRecord = shareRecord.parse({ ...welfareRecord, kindsOfInformation: [...welfareRecord.kindsOfInformation, 'documents'] });

/** Seals a message whose signed body describes the file, and sends it naming the upload, as the web client does. */
async function sendWithFile(
  sender: Practitioner,
  to: Practitioner[],
  on: { id: string; childId: string },
  file: { id: string; key: Uint8Array; hash: string; size: number },
  record: unknown = documentsRecord,
) {
  const body = encodeBodyWithAttachments({
    text: 'The plan is attached',
    attachments: [attachmentDescriptor({ fileId: file.id, key: file.key, name: 'plan.pdf', type: 'application/pdf', size: file.size, hash: file.hash })],
  });
  const envelope = sender.seal(on, to, body, { record: record as typeof documentsRecord });
  const socket = sender.socket;
  if (!socket) throw new Error('not connected');
  const ack = (await socket.timeout(10_000).emitWithAck('share:send', { envelope, attachments: [file.id] })) as Ack<{ id: string }>;
  return { ack, envelope };
}

describe('sent with a message', () => {
  it('a message must name documents in its share record to carry files', async () => {
    const plaintext = fileOf(2000);
    const upload = await uploadWhole(cast.jordan.api, plaintext);
    const { ack } = await sendWithFile(cast.jordan, [cast.morgan, cast.ruth], thread, { ...upload, size: plaintext.length }, welfareRecord);
    expect(ack).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect((await statusOf(cast.jordan.api, upload.id)).sent).toBe(false);
  });

  it('after sending, exactly the message’s readers download the file, decrypting it with the key from the signed body; the uploader can no longer change it', async () => {
    const plaintext = fileOf(140_000);
    const upload = await uploadWhole(cast.jordan.api, plaintext);
    const { ack, envelope } = await sendWithFile(cast.jordan, [cast.morgan, cast.ruth], thread, { ...upload, size: plaintext.length });
    expect(ack).toMatchObject({ ok: true });
    await expect.poll(() => cast.morgan.received.some((m) => m.id === envelope.header.id)).toBe(true);
    const { attachments } = decodeBody(cast.morgan.open(listing(cast.morgan.received.find((m) => m.id === envelope.header.id)), cast.jordan));
    const [descriptor] = attachments;
    if (!descriptor) throw new Error('no descriptor in the signed body');
    for (const reader of [cast.morgan, cast.ruth, cast.jordan]) {
      const res = await reader.api.download(`/api/attachments/${descriptor.fileId}/content`);
      expect(res.status).toBe(200);
      expect(Buffer.from(decryptAttachment(res.bytes, attachmentExpectation(descriptor))).equals(Buffer.from(plaintext))).toBe(true);
    }
    const outsider = await cast.alex.api.download(`/api/attachments/${upload.id}/content`);
    expect(outsider.status).toBe(403);
    expect(JSON.parse(new TextDecoder().decode(outsider.bytes))).toMatchObject({ error: { code: 'not_a_reader' } });
    const change = await cast.jordan.api.post<ErrorBody>(`/api/attachments/${upload.id}/cancel`);
    expect(change.status).toBe(403);
    expect(change.body.error.code).toBe('attachment_sent');
    // The same file cannot ride on a second message.
    const again = await sendWithFile(cast.jordan, [cast.morgan, cast.ruth], thread, { ...upload, size: plaintext.length });
    expect(again.ack).toMatchObject({ ok: false, error: { code: 'attachment_sent' } });
  });

  it('nobody can send another’s upload, or one made for another conversation', async () => {
    const plaintext = fileOf(1000);
    const morgans = await uploadWhole(cast.morgan.api, plaintext);
    const { ack } = await sendWithFile(cast.jordan, [cast.morgan, cast.ruth], thread, { ...morgans, size: plaintext.length });
    expect(ack).toMatchObject({ ok: false, error: { code: 'not_the_uploader' } });
    const other = await startConversation(cast.jordan, [cast.morgan], 'Amara Osei');
    const jordans = await uploadWhole(cast.jordan.api, plaintext);
    const elsewhere = await sendWithFile(cast.jordan, [cast.morgan], other, { ...jordans, size: plaintext.length });
    expect(elsewhere.ack).toMatchObject({ ok: false, error: { code: 'attachment_other_thread' } });
  });

  it('revoking an unopened message deletes its files’ ciphertext', async () => {
    const plaintext = fileOf(90_000);
    const upload = await uploadWhole(cast.jordan.api, plaintext);
    const { ack, envelope } = await sendWithFile(cast.jordan, [cast.morgan, cast.ruth], thread, { ...upload, size: plaintext.length });
    expect(ack).toMatchObject({ ok: true });
    expect(await chunkRows(upload.id)).toBeGreaterThan(0);
    const socket = cast.jordan.socket;
    if (!socket) throw new Error('not connected');
    expect(await socket.timeout(10_000).emitWithAck('share:revoke', { id: envelope.header.id })).toMatchObject({ ok: true });
    expect(await chunkRows(upload.id)).toBe(0);
    const res = await cast.morgan.api.download(`/api/attachments/${upload.id}/content`);
    expect(res.status).toBe(410);
    expect(JSON.parse(new TextDecoder().decode(res.bytes))).toMatchObject({ error: { code: 'attachment_deleted' } });
  });
});

describe('subject access', () => {
  it('the export lists the child’s files (that they exist, their state and encrypted size), never their names or content', async () => {
    const [child] = await haven.ctx.db.select().from(children).where(eq(children.id, thread.childId));
    if (!child) throw new Error('no child');
    const exported = await buildExport(haven.ctx.db, child, new Date());
    const files = exported.events.filter((e) => e.kind === 'attachment');
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect(files.map((f) => f.description)).toEqual(
      expect.arrayContaining([expect.stringContaining('attached to a message'), expect.stringContaining('deleted (revoked)')]),
    );
    expect(JSON.stringify(exported)).not.toContain('plan.pdf');
    expect(JSON.stringify(exported)).not.toContain(CANARY);
  });
});

describe('deletion by workers', () => {
  it('uploads never sent are deleted after 24 hours; sent ones and recent ones stay', async () => {
    const unsent = await uploadWhole(cast.jordan.api, fileOf(3000));
    const sentFile = await uploadWhole(cast.jordan.api, fileOf(3000));
    expect((await sendWithFile(cast.jordan, [cast.morgan, cast.ruth], thread, { ...sentFile, size: 3000 })).ack).toMatchObject({ ok: true });
    // An hour on, nothing unsent is old enough.
    await sweepUnsentUploads({ ...haven.ctx, clock: () => new Date(Date.now() + 3_600_000) });
    expect(await chunkRows(unsent.id)).toBe(1);
    const deleted = await sweepUnsentUploads({ ...haven.ctx, clock: () => new Date(Date.now() + 25 * 3_600_000) });
    expect(deleted).toBeGreaterThanOrEqual(1);
    expect(await chunkRows(unsent.id)).toBe(0);
    expect(await chunkRows(sentFile.id)).toBe(1);
    expect((await cast.jordan.api.get<ErrorBody>(`/api/attachments/${unsent.id}`)).body.error.code).toBe('attachment_deleted');
  });

  it('an upload sent while the sweep or a cancel waits for its row keeps its ciphertext: only what is still unsent is deleted', async () => {
    const sender = await rawClient(haven.database.url);
    try {
      const [message] = (await sender.query<{ id: string }>('select id from messages where thread_id = $1 limit 1', [thread.id])).rows;
      if (!message) throw new Error('no message in the conversation');
      const sweep = () => sweepUnsentUploads({ ...haven.ctx, clock: () => new Date(Date.now() + 25 * 3_600_000) });
      const cancel = (id: string) => cast.jordan.api.post<ErrorBody>(`/api/attachments/${id}/cancel`);
      for (const how of ['sweep', 'cancel'] as const) {
        // Made now, so the sweep run for the first case cannot take the second's upload.
        const upload = await uploadWhole(cast.jordan.api, fileOf(3000));
        // A send ties the upload to its message, not yet committed (the statement linkToMessage runs).
        await sender.query('begin');
        await sender.query('update attachments set message_id = $1 where id = $2', [message.id, upload.id]);
        const deleting = how === 'sweep' ? sweep() : cancel(upload.id);
        for (let tries = 0; ; tries++) {
          const { rowCount } = await sender.query('select 1 from pg_stat_activity where pg_backend_pid() = any(pg_blocking_pids(pid))');
          if (rowCount) break;
          if (tries > 200) throw new Error(`the ${how} never waited for the row`);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        await sender.query('commit');
        const answer = await deleting;
        // The canceller is told it was sent, as one arriving after the send would be.
        if (how === 'cancel') expect(answer).toMatchObject({ status: 403, body: { error: { code: 'attachment_sent' } } });
        expect(await chunkRows(upload.id), how).toBe(1);
        const [row] = (await sender.query<{ deleted_at: Date | null }>('select deleted_at from attachments where id = $1', [upload.id])).rows;
        expect(row?.deleted_at, how).toBeNull();
      }
    } finally {
      await sender.end();
    }
  });

  it('a child’s files are destroyed with their records when retention destroys them, and not while a legal hold is on', async () => {
    const amara = await startConversation(cast.jordan, [cast.morgan], 'Amara Osei');
    const res = await cast.jordan.api.post<UploadAnswer>('/api/attachments', { threadId: amara.id, size: attachmentPaddedBytes(5000) });
    const key = newAttachmentKey();
    const file = { id: res.body.upload.id, key, ...encryptAttachment(fileOf(5000), key, res.body.upload.id) };
    await putFrom(cast.jordan.api, file.id, file.bytes, 0);
    await cast.jordan.api.post(`/api/attachments/${file.id}/complete`);
    expect((await sendWithFile(cast.jordan, [cast.morgan], amara, { ...file, size: 5000 })).ack).toMatchObject({ ok: true });
    const lilysFile = await uploadWhole(cast.jordan.api, fileOf(3000));
    await ageChild(haven.database.url, amara.childId, bornYearsAgo(20));
    // Under a legal hold, nothing of hers goes, her files included.
    const priya = await people.as('Priya');
    expect((await priya.post(`/api/children/${amara.childId}/legal-hold`, { reason: 'Serious case review in progress' })).status).toBe(204);
    const held = await runRetention(haven.ctx, { dryRun: false, triggeredBy: null });
    expect(held.children.map((c) => c.childId)).not.toContain(amara.childId);
    expect(await chunkRows(file.id)).toBeGreaterThan(0);
    expect((await cast.morgan.api.download(`/api/attachments/${file.id}/content`)).status).toBe(200);
    expect((await priya.post(`/api/children/${amara.childId}/legal-hold/release`, { reason: 'Review concluded' })).status).toBe(204);
    const run = await runRetention(haven.ctx, { dryRun: false, triggeredBy: null });
    expect(run.children.map((c) => c.childId)).toContain(amara.childId);
    expect(run.children.find((c) => c.childId === amara.childId)?.counts).toMatchObject({ attachments: 1 });
    expect(await chunkRows(file.id)).toBe(0);
    const client = await rawClient(haven.database.url);
    try {
      expect((await client.query('select 1 from attachments where id = $1', [file.id])).rowCount).toBe(0);
    } finally {
      await client.end();
    }
    // Another child's files are untouched.
    expect(await chunkRows(lilysFile.id)).toBe(1);
  });
});

describe('a written record in the special file', () => {
  it('carries a file that only the officers on the case can download', async () => {
    const ruth = cast.ruth.api;
    const callumId = (await ruth.get<{ children: { id: string }[] }>('/api/children?name=Callum+Byrne')).body.children[0]?.id ?? '';
    const offendingRecord = shareRecord.parse({
      ...welfareRecord,
      kindsOfInformation: ['offending_or_antisocial_behaviour', 'documents'],
      schedule1Condition: 'preventing_or_detecting_unlawful_acts',
      legalGateway: 'crime_and_disorder_act_1998_s115',
    });
    expect((await ruth.post(`/api/children/${callumId}/offending-risk`, { reason: 'Referral from the youth offending panel' })).status).toBe(200);
    expect((await ruth.post(`/api/children/${callumId}/case-officers`, { userId: cast.alex.userId, record: offendingRecord })).status).toBe(200);
    const specialFileId = (await ruth.get<{ specialFileId: string }>(`/api/children/${callumId}/special-file`)).body.specialFileId;
    const plaintext = fileOf(20_000);
    const created = await ruth.post<UploadAnswer>('/api/attachments', { threadId: specialFileId, size: attachmentPaddedBytes(plaintext.length) });
    expect(created.status).toBe(201);
    const key = newAttachmentKey();
    const file = { id: created.body.upload.id, key, ...encryptAttachment(plaintext, key, created.body.upload.id) };
    await putFrom(ruth, file.id, file.bytes, 0);
    expect((await ruth.post(`/api/attachments/${file.id}/complete`)).status).toBe(200);
    const body = encodeBodyWithAttachments({
      text: JSON.stringify({ v: 1, sharedOn: '2026-12-01', information: 'The panel report is attached' }),
      attachments: [attachmentDescriptor({ fileId: file.id, key, name: 'panel report.pdf', type: 'application/pdf', size: plaintext.length, hash: file.hash })],
    });
    const record = cast.ruth.seal({ id: specialFileId, childId: callumId }, [cast.alex], body, {
      kind: 'written_record',
      tier: 'offending_risk',
      record: offendingRecord,
    });
    expect(await cast.ruth.socket?.timeout(10_000).emitWithAck('share:send', { envelope: record, attachments: [file.id] })).toMatchObject({ ok: true });
    const alex = await cast.alex.api.download(`/api/attachments/${file.id}/content`);
    expect(alex.status).toBe(200);
    expect(Buffer.from(decryptAttachment(alex.bytes, { key, fileId: file.id, size: plaintext.length, hash: file.hash })).equals(Buffer.from(plaintext))).toBe(
      true,
    );
    for (const outsider of [cast.jordan, cast.morgan]) {
      expect((await outsider.api.download(`/api/attachments/${file.id}/content`)).status).toBe(403);
    }
  });
});
