// Issue 23 in Chromium: a message is stored and acknowledged, but its live copy never reaches the
// process the reader's browser is connected to (here, sent through a process whose events do not
// cross Redis). The open page shows it without a reload: when the next copy's number shows one
// missing, and when the server says a peer process went silent (`sync:check`).
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { PEER_TIMEOUT_MS } from '../../server/realtime/peer-watch';
import { ApiClient } from '../support/client';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, welfareRecord } from '../support/practitioner';
import { launchBrowser, watchForProblems } from './browser';
import { sealToBrowserUser, signInInBrowser } from './people-in-browsers';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `lost-copy-${randomBytes(4).toString('hex')}`;
let haven: TestHaven;
let browser: Browser;
let redis: Redis;
const people = new People(() => haven);
const contexts: BrowserContext[] = [];
let morgan: Practitioner;
let morganThere: Practitioner;

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true, redisUrl: REDIS_URL, env: { HAVEN_QUEUE_PREFIX: prefix } });
  browser = await launchBrowser();
  redis = new Redis(REDIS_URL);
  morgan = new Practitioner(await people.as('Morgan'));
  await morgan.publishKeys();
  await morgan.connect();
  const isolated = await haven.addNode({ withoutRedis: true });
  morganThere = new Practitioner(new ApiClient(isolated.url), morgan.keys);
  morganThere.userId = morgan.userId;
  morganThere.api.adoptSession(morgan.api.cookie('haven_session') ?? '');
  await morganThere.connect();
});
afterAll(async () => {
  morgan?.disconnect();
  morganThere?.disconnect();
  for (const context of contexts) await context.close();
  await browser?.close();
  redis?.disconnect();
  await haven?.close();
});

describe('a message whose live copy was lost between processes, in Chromium', () => {
  it('appears on the open conversation without a reload', { timeout: 120_000 }, async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await signInInBrowser(page, haven, 'Jordan');

    const jordanId = (await morgan.api.get<{ people: { id: string }[] }>('/api/people?name=Jordan')).body.people[0]?.id ?? '';
    const childId = (await morgan.api.get<{ children: { id: string }[] }>('/api/children?name=Lily%20Hartwell')).body.children[0]?.id ?? '';
    expect((await morgan.api.post(`/api/children/${childId}/open`, { reason: 'Planning a joint visit with children’s services' })).status).toBe(200);
    const started = await morgan.api.post<{ thread: { id: string; childId: string } }>(`/api/children/${childId}/threads`, {
      participants: [{ userId: jordanId, needToKnowReason: 'The child’s social worker' }],
      record: welfareRecord,
    });
    expect(started.status).toBe(201);
    const thread = started.body.thread;
    await page.goto(`${haven.url}/#/conversations/${thread.id}`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.evaluate(() => {
      Object.assign(globalThis, { stayedOpen: true });
    });
    const shown = (text: string) => page.getByRole('article').filter({ hasText: text }).waitFor({ timeout: 15_000 });

    // Stored through the other process; the browser's process never hears of it…
    const lost = 'The home visit moved to Thursday.';
    expect(await morganThere.send(await sealToBrowserUser(morganThere, thread, jordanId, lost))).toMatchObject({ ok: true });
    // …until the next copy arrives, numbered one past the gap.
    const next = 'Lily’s school has been told.';
    expect(await morgan.send(await sealToBrowserUser(morgan, thread, jordanId, next))).toMatchObject({ ok: true });
    await shown(next);
    await shown(lost);

    // A peer process joins the rooms, and goes silent after a message whose copy it never handed over.
    const peer = `browser-peer-${randomBytes(4).toString('hex')}`;
    await redis.multi().set(`${prefix}:realtime:process:${peer}`, '1', 'PX', PEER_TIMEOUT_MS).sadd(`${prefix}:realtime:processes`, peer).exec();
    await new Promise((r) => setTimeout(r, 1_500));
    const afterPeer = 'The police referral was sent this morning.';
    expect(await morganThere.send(await sealToBrowserUser(morganThere, thread, jordanId, afterPeer))).toMatchObject({ ok: true });
    await shown(afterPeer);

    expect(await page.evaluate(() => (globalThis as { stayedOpen?: boolean }).stayedOpen)).toBe(true);
    for (const text of [lost, next, afterPeer]) expect(await page.getByRole('article').filter({ hasText: text }).count()).toBe(1);
    expect(problems).toEqual([]);
  });
});
