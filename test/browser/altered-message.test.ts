// Issue 17, item 4, in Chromium: the database moves a message about one child into a conversation
// about another. The recipient's browser opens it (it is signed and sealed to them), sees that its
// signed header says another conversation, and shows a notice instead of the message; the server
// is told, and the system admins get a notice.
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ready } from '../../crypto';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, welfareRecord } from '../support/practitioner';
import { SCREENSHOTS, launchBrowser, watchForProblems } from './browser';
import { sealToBrowserUser, signInInBrowser } from './people-in-browsers';

let haven: TestHaven;
let browser: Browser;
const people = new People(() => haven);
const contexts: BrowserContext[] = [];
let morgan: Practitioner;
const MOVED = 'Lily said she is frightened of going home tonight.';
const REAL = 'Amara’s new school place starts on Monday.';

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  browser = await launchBrowser();
  morgan = new Practitioner(await people.as('Morgan'));
  await morgan.publishKeys();
  await morgan.connect();
});
afterAll(async () => {
  morgan?.disconnect();
  for (const context of contexts) await context.close();
  await browser?.close();
  await haven?.close();
});

async function conversationWith(jordanId: string, childName: string): Promise<{ id: string; childId: string }> {
  const childId = (await morgan.api.get<{ children: { id: string }[] }>(`/api/children?name=${encodeURIComponent(childName)}`)).body.children[0]?.id ?? '';
  expect((await morgan.api.post(`/api/children/${childId}/open`, { reason: 'Planning a joint visit with children’s services' })).status).toBe(200);
  const started = await morgan.api.post<{ thread: { id: string; childId: string } }>(`/api/children/${childId}/threads`, {
    participants: [{ userId: jordanId, needToKnowReason: 'The child’s social worker' }],
    record: welfareRecord,
  });
  expect(started.status).toBe(201);
  return started.body.thread;
}

describe('a message moved to another child’s conversation, in Chromium', () => {
  it('is shown as changed on the server, not as a message, and the system admins are told', { timeout: 120_000 }, async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await signInInBrowser(page, haven, 'Jordan');

    const jordanId = (await morgan.api.get<{ people: { id: string }[] }>('/api/people?name=Jordan')).body.people[0]?.id ?? '';
    const lily = await conversationWith(jordanId, 'Lily Hartwell');
    const amara = await conversationWith(jordanId, 'Amara Osei');
    const moved = await sealToBrowserUser(morgan, lily, jordanId, MOVED);
    expect(await morgan.send(moved)).toMatchObject({ ok: true });
    expect(await morgan.send(await sealToBrowserUser(morgan, amara, jordanId, REAL))).toMatchObject({ ok: true });

    // The malicious database: the message about Lily now sits in Amara's conversation.
    const db = await rawClient(haven.database.url);
    try {
      await db.query('update messages set thread_id = $1, child_id = $2 where id = $3', [amara.id, amara.childId, moved.header.id]);
    } finally {
      await db.end();
    }

    await page.goto(`${haven.url}/#/conversations/${amara.id}`);
    const real = page.getByRole('article').filter({ hasText: REAL });
    await real.waitFor({ timeout: 15_000 });
    const altered = page.getByRole('article').filter({ hasText: 'Changed on Haven’s server' });
    await altered.waitFor({ timeout: 15_000 });
    const notice = await altered.innerText();
    expect(notice).toContain('written for a different conversation');
    expect(notice).toContain('system administrators have been told');
    expect(notice).not.toContain(MOVED);
    expect(await page.getByText(MOVED).count()).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'altered-message.png'), fullPage: true });

    // The browser reported it; Sam, a system admin, has a notice naming nothing.
    const sam = await people.as('Sam');
    await vi.waitFor(async () => {
      const { notices } = (await sam.get<{ notices: { kind: string }[] }>('/api/notices')).body;
      expect(notices.map((n) => n.kind)).toContain('integrity_report');
    });
    const check = await rawClient(haven.database.url);
    try {
      const rows = (
        await check.query<{ reason: string; subject_id: string }>(`select reason, subject_id from integrity_reports where reporter_id = $1`, [jordanId])
      ).rows;
      expect(rows).toEqual([{ reason: 'thread_differs', subject_id: moved.header.id }]);
    } finally {
      await check.end();
    }
    expect(problems).toEqual([]);
  });
});
