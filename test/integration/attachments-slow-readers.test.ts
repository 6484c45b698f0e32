import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachmentPaddedBytes, encryptAttachment, newAttachmentKey, ready } from '../../crypto';
import type { ApiClient } from '../support/client';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, startConversation } from '../support/practitioner';

// A download streamed by COPY holds a database connection until it ends, so a reader that stops
// reading holds one too. These readers stop reading: the server must go on answering everyone else.
let haven: TestHaven;
const people = new People(() => haven);
let jordan: ApiClient;
let thread = { id: '', childId: '' };
let file: { id: string; bytes: Uint8Array } = { id: '', bytes: new Uint8Array() };

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true, env: { HAVEN_MAX_ATTACHMENT_MB: '16', HAVEN_ATTACHMENT_QUOTA_MB: '64' } });
  const j = new Practitioner(await people.as('Jordan'));
  const m = new Practitioner(await people.as('Morgan'));
  await j.publishKeys();
  await m.publishKeys();
  jordan = j.api;
  thread = await startConversation(j, [m], 'Lily Hartwell');
  // Large enough that a stalled reader leaves PostgreSQL mid-COPY (the socket buffers cannot take it all).
  const plaintext = new Uint8Array(12 * 1024 * 1024).map((_, i) => (i * 13) % 251);
  const created = await jordan.post<{ upload: { id: string } }>('/api/attachments', { threadId: thread.id, size: attachmentPaddedBytes(plaintext.length) });
  expect(created.status).toBe(201);
  const id = created.body.upload.id;
  const { bytes } = encryptAttachment(plaintext, newAttachmentKey(), id);
  const piece = 3 * 1024 * 1024;
  for (let offset = 0; offset < bytes.length; offset += piece) {
    expect((await jordan.putBytes(`/api/attachments/${id}/chunks?offset=${offset}`, bytes.subarray(offset, offset + piece))).status).toBe(200);
  }
  expect((await jordan.post(`/api/attachments/${id}/complete`)).status).toBe(200);
  file = { id, bytes };
}, 120_000);
afterAll(async () => {
  await haven?.close();
});

/** Starts a download and stops reading it once the first bytes arrive, leaving it open. */
function stalledDownload(): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(`${haven.url}/api/attachments/${file.id}/content`), { headers: { cookie: jordan.cookieHeader() } }, (res) => {
      res.once('data', () => {
        res.pause();
        resolve({ req, res });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('downloads whose readers stop reading', () => {
  it('hold at most a few database connections: everything else is answered, other downloads complete, and all is given back when they go', async () => {
    // More stalled readers than the server has database connections (ten).
    const stalled = [];
    for (let i = 0; i < 12; i++) stalled.push(await stalledDownload());
    // Let them all fill what buffers they can and stall.
    await new Promise((resolve) => setTimeout(resolve, 500));
    try {
      const answers = await Promise.all(Array.from({ length: 12 }, () => jordan.get('/api/threads')));
      expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 12 }, () => 200));
      const whole = await jordan.download(`/api/attachments/${file.id}/content`);
      expect(Buffer.from(whole.bytes).equals(Buffer.from(file.bytes))).toBe(true);
    } finally {
      for (const { req } of stalled) req.destroy();
    }
    // Once they have gone, downloads stream as before, several at once.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = await Promise.all(Array.from({ length: 3 }, () => jordan.download(`/api/attachments/${file.id}/content`)));
    for (const res of after) expect(Buffer.from(res.bytes).equals(Buffer.from(file.bytes))).toBe(true);
  }, 60_000);
});

/** Downloads the file reading a little at a time, so the server waits for its socket to drain again and again. */
function slowDownload(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(`${haven.url}/api/attachments/${file.id}/content`), { headers: { cookie: jordan.cookieHeader() } }, (res) => {
      const pieces: Buffer[] = [];
      res.on('data', (piece: Buffer) => {
        pieces.push(piece);
        res.pause();
        setTimeout(() => res.resume(), 2);
      });
      res.on('end', () => resolve(Buffer.concat(pieces)));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a download whose reader is slow', () => {
  it('arrives whole, and waiting for it does not pile listeners on the response', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const bytes = await slowDownload();
      expect(bytes.equals(Buffer.from(file.bytes))).toBe(true);
      // Let a warning emitted on the last write reach the listener.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    // Each wait for the socket used to leave a 'close' and an 'error' listener behind; Node warns at eleven.
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([]);
  }, 60_000);
});
