import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachmentPaddedBytes, decryptAttachment, encryptAttachment, newAttachmentKey, ready } from '../../crypto';
import type { ApiClient } from '../support/client';
import { rawClient } from '../support/database';
import { holdUploadRow } from '../support/held-upload';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, startConversation } from '../support/practitioner';

// The same upload and download with HAVEN_BLOB_DIR set: the encrypted bytes go to files, not to PostgreSQL.
const blobDir = mkdtempSync(path.join(tmpdir(), 'haven-blob-dir-'));
let haven: TestHaven;
const people = new People(() => haven);
let jordan: ApiClient;
let thread = { id: '', childId: '' };

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true, env: { HAVEN_BLOB_DIR: blobDir } });
  const j = new Practitioner(await people.as('Jordan'));
  const m = new Practitioner(await people.as('Morgan'));
  await j.publishKeys();
  await m.publishKeys();
  jordan = j.api;
  thread = await startConversation(j, [m], 'Lily Hartwell');
}, 120_000);
afterAll(async () => {
  await haven.close();
  rmSync(blobDir, { recursive: true, force: true });
});

describe('attachments in HAVEN_BLOB_DIR', () => {
  it('stores the ciphertext as a file (none in PostgreSQL), streams it back, and deletes the file on cancel', async () => {
    const plaintext = new Uint8Array(300_000).map((_, i) => i % 253);
    const created = await jordan.post<{ upload: { id: string } }>('/api/attachments', { threadId: thread.id, size: attachmentPaddedBytes(plaintext.length) });
    expect(created.status).toBe(201);
    const id = created.body.upload.id;
    const key = newAttachmentKey();
    const { bytes, hash } = encryptAttachment(plaintext, key, id);
    for (let offset = 0; offset < bytes.length; offset += 100_000) {
      expect((await jordan.putBytes(`/api/attachments/${id}/chunks?offset=${offset}`, bytes.subarray(offset, offset + 100_000))).status).toBe(200);
    }
    expect((await jordan.post(`/api/attachments/${id}/complete`)).status).toBe(200);
    const file = path.join(blobDir, id.slice(0, 2), id);
    expect(Buffer.from(readFileSync(file)).equals(Buffer.from(bytes))).toBe(true);
    const client = await rawClient(haven.database.url);
    try {
      expect((await client.query('select 1 from attachment_chunks where attachment_id = $1', [id])).rowCount).toBe(0);
      expect((await client.query<{ store: string }>('select store from attachments where id = $1', [id])).rows[0]?.store).toBe('fs');
    } finally {
      await client.end();
    }
    const res = await jordan.download(`/api/attachments/${id}/content`);
    expect(res.status).toBe(200);
    expect(Buffer.from(decryptAttachment(res.bytes, { key, fileId: id, size: plaintext.length, hash })).equals(Buffer.from(plaintext))).toBe(true);
    expect((await jordan.post(`/api/attachments/${id}/cancel`)).status).toBe(204);
    expect(existsSync(file)).toBe(false);
  });

  it('a request sent before the answer to the one before waits for it, then writes after it: the file holds both, in order', async () => {
    const plaintext = new Uint8Array(90_000).map((_, i) => (i * 7) % 251);
    const created = await jordan.post<{ upload: { id: string } }>('/api/attachments', { threadId: thread.id, size: attachmentPaddedBytes(plaintext.length) });
    const id = created.body.upload.id;
    const key = newAttachmentKey();
    const { bytes, hash } = encryptAttachment(plaintext, key, id);
    const cut = 40_000;
    // The first append's offset update is held up (as a busy database would hold it), so the second arrives while it is in progress.
    const held = await holdUploadRow(haven.database.url, id);
    let answers: { status: number }[] = [];
    try {
      const first = jordan.putBytes(`/api/attachments/${id}/chunks?offset=0`, bytes.subarray(0, cut));
      await held.appendBlocked();
      const second = jordan.putBytes(`/api/attachments/${id}/chunks?offset=${cut}`, bytes.subarray(cut));
      await new Promise((resolve) => setTimeout(resolve, 300));
      await held.release();
      answers = await Promise.all([first, second]);
    } finally {
      await held.end();
    }
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect((await jordan.post(`/api/attachments/${id}/complete`)).status).toBe(200);
    expect(Buffer.from(readFileSync(path.join(blobDir, id.slice(0, 2), id))).equals(Buffer.from(bytes))).toBe(true);
    const res = await jordan.download(`/api/attachments/${id}/content`);
    expect(Buffer.from(decryptAttachment(res.bytes, { key, fileId: id, size: plaintext.length, hash })).equals(Buffer.from(plaintext))).toBe(true);
  });
});
