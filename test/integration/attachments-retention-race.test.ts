import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachmentPaddedBytes, encryptAttachment, newAttachmentKey, ready } from '../../crypto';
import { runRetention } from '../../server/retention/retention.service';
import { ageChild, bornYearsAgo } from '../support/aged-children';
import { rawClient } from '../support/database';
import { holdUploadRow } from '../support/held-upload';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, startConversation } from '../support/practitioner';

// Retention destroying a child's records while an upload for that child is still being written:
// the chunks committed by the appends in progress must go with the rest, and the run must not fail.
// A haven of its own, since the run destroys a demo child.
let haven: TestHaven;
const people = new People(() => haven);
let jordan: Practitioner;
let morgan: Practitioner;

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  jordan = new Practitioner(await people.as('Jordan'));
  morgan = new Practitioner(await people.as('Morgan'));
  await jordan.publishKeys();
  await morgan.publishKeys();
}, 120_000);
afterAll(async () => {
  await haven.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('retention and an upload in progress', () => {
  it('waits for the appends being written to the child’s file, then destroys their chunks with the rest', async () => {
    const amara = await startConversation(jordan, [morgan], 'Amara Osei');
    const size = 90_000;
    const created = await jordan.api.post<{ upload: { id: string } }>('/api/attachments', { threadId: amara.id, size: attachmentPaddedBytes(size) });
    expect(created.status).toBe(201);
    const id = created.body.upload.id;
    const { bytes } = encryptAttachment(new Uint8Array(size).fill(7), newAttachmentKey(), id);
    const cut = 40_000;
    const put = (from: number, to: number) => jordan.api.putBytes(`/api/attachments/${id}/chunks?offset=${from}`, bytes.subarray(from, to));

    // The first append's offset update is held up from outside; the second writes its chunk row and waits for it.
    const held = await holdUploadRow(haven.database.url, id);
    const watch = await rawClient(haven.database.url);
    try {
      const first = put(0, cut);
      await held.appendBlocked();
      const second = put(cut, bytes.length);
      await sleep(300);

      await ageChild(haven.database.url, amara.childId, bornYearsAgo(20));
      const run = runRetention(haven.ctx, { dryRun: false, triggeredBy: null });
      // Let the run reach the child's attachments while both appends are still open.
      await sleep(500);
      await held.release();

      const result = await run;
      expect(result.children.map((c) => c.childId)).toContain(amara.childId);
      // The run waited for both appends: they were stored, and then destroyed with the rest.
      const answers = await Promise.all([first, second]);
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      expect(result.children.find((c) => c.childId === amara.childId)?.counts).toMatchObject({ attachments: 1 });
      expect((await watch.query('select 1 from attachment_chunks where attachment_id = $1', [id])).rowCount).toBe(0);
      expect((await watch.query('select 1 from attachments where id = $1', [id])).rowCount).toBe(0);
    } finally {
      await held.end();
      await watch.end();
    }
  });

  it('tells an append whose checks passed just before its upload was destroyed that the file is gone, storing nothing', async () => {
    const lily = await startConversation(jordan, [morgan], 'Lily Hartwell');
    const size = 20_000;
    const created = await jordan.api.post<{ upload: { id: string } }>('/api/attachments', { threadId: lily.id, size: attachmentPaddedBytes(size) });
    expect(created.status).toBe(201);
    const id = created.body.upload.id;
    const { bytes } = encryptAttachment(new Uint8Array(size).fill(9), newAttachmentKey(), id);

    // Retention's own statements for this upload, by hand and held open: its row locked and
    // deleted, not yet committed. The append still reads the row, passes its checks, and its chunk
    // row's key check waits on the lock; the commit then takes the row away from under it.
    const destroyer = await rawClient(haven.database.url);
    try {
      await destroyer.query('begin');
      await destroyer.query('select id from attachments where id = $1 for update', [id]);
      await destroyer.query('delete from attachment_chunks where attachment_id = $1', [id]);
      await destroyer.query('delete from attachments where id = $1', [id]);
      const append = jordan.api.putBytes<{ error: { code: string; message: string } }>(`/api/attachments/${id}/chunks?offset=0`, bytes);
      await waitUntilBlocked(destroyer);
      await destroyer.query('commit');

      const answer = await append;
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('attachment_not_found');
      expect(JSON.stringify(answer.body)).not.toMatch(/foreign key|attachment_chunks|violat/i);
      expect((await destroyer.query('select 1 from attachment_chunks where attachment_id = $1', [id])).rowCount).toBe(0);
    } finally {
      await destroyer.end();
    }
  });
});

/** Waits until some backend is blocked by a lock `holder` holds; throws if none is within 5 s. */
async function waitUntilBlocked(holder: Awaited<ReturnType<typeof rawClient>>): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    const { rowCount } = await holder.query('select 1 from pg_stat_activity where pg_backend_pid() = any(pg_blocking_pids(pid))');
    if (rowCount) return;
    await sleep(25);
  }
  throw new Error('the append never reached the lock');
}
