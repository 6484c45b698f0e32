import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner, welfareRecord } from '../support/practitioner';
import { SCREENSHOTS, launchBrowser, freshBrowser as openFreshBrowser } from './browser';
import { sealToBrowserUser, signInInBrowser } from './people-in-browsers';
import { recordProgress } from './progress-recorder';

let haven: TestHaven;
let browser: Browser;
const people = new People(() => haven);
const contexts: BrowserContext[] = [];
let morgan: Practitioner;
const PASSPHRASE = 'kettle harbour violet sixteen';
const TEXT = 'The family moved to Aunt Rose’s flat on Saturday.';

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

const freshBrowser = () => openFreshBrowser(browser, contexts);

describe('restoring keys in a new browser', () => {
  it('Jordan backs up his keys, signs in on another browser, restores them and reads a message sent before', { timeout: 120_000 }, async () => {
    // Browser A: keys are made on first sign-in; Jordan creates a recovery passphrase.
    const a = await freshBrowser();
    await signInInBrowser(a.page, haven, 'Jordan');
    await a.page.getByLabel('Recovery passphrase').fill(PASSPHRASE);
    await a.page.getByLabel('Type it again').fill(PASSPHRASE);
    await a.page.getByRole('button', { name: 'Create a recovery passphrase' }).click();
    await a.page.getByText('Your keys are backed up.').waitFor({ timeout: 30_000 });
    const fingerprintA = await a.page.locator('code.fingerprint').innerText();

    // Morgan (in Node) sends Jordan a message about Lily, sealed to the keys browser A made.
    const jordanId = (await morgan.api.get<{ people: { id: string }[] }>('/api/people?name=Jordan')).body.people[0]?.id ?? '';
    const lilyId = (await morgan.api.get<{ children: { id: string }[] }>('/api/children?name=Lily+Hartwell')).body.children[0]?.id ?? '';
    expect((await morgan.api.post(`/api/children/${lilyId}/open`, { reason: 'Planning a joint visit with children’s services' })).status).toBe(200);
    const started = await morgan.api.post<{ thread: { id: string; childId: string } }>(`/api/children/${lilyId}/threads`, {
      participants: [{ userId: jordanId, needToKnowReason: 'Lily’s social worker' }],
      record: welfareRecord,
    });
    expect(started.status).toBe(201);
    expect(await morgan.send(await sealToBrowserUser(morgan, started.body.thread, jordanId, TEXT))).toMatchObject({ ok: true });

    // Browser B knows nothing: the keys are elsewhere until Jordan restores them.
    const b = await freshBrowser();
    await signInInBrowser(b.page, haven, 'Jordan');
    await b.page.getByRole('heading', { name: 'Restore your keys' }).waitFor({ timeout: 15_000 });
    expect(await b.page.locator('code.fingerprint').innerText()).toBe(fingerprintA);
    await b.page.getByLabel('Recovery passphrase').fill(PASSPHRASE);
    const seen = await recordProgress(b.page);
    await b.page.getByRole('button', { name: 'Restore your keys' }).click();
    await b.page.getByText('Your keys are restored in this browser.').waitFor({ timeout: 30_000 });
    // Restored from a copy that was on the server: the page must not claim the keys never left a device (issue 18).
    await b.page.getByText('Haven’s server never has them unencrypted').waitFor();
    expect(await b.page.getByText('never leave this device').count()).toBe(0);

    // Each step showed before it ran — the passphrase check (Argon2id) holds the page while it runs — and all are done.
    const restoring = (await seen()).filter((s) => s.label === 'Progress of restoring your keys');
    expect(restoring.map((s) => s.status)).toEqual([
      'Fetching your key backup…',
      'Checking your passphrase… (this can take a few seconds)',
      'Checking your keys…',
      'Keeping your keys in this browser…',
      'Done.',
    ]);
    expect(restoring.slice(0, -1).every((s) => s.value === null)).toBe(true);
    expect(restoring.at(-1)).toMatchObject({ value: 1, max: 1 });
    expect(restoring[1]?.steps).toEqual([
      '✓ Done: Fetching your key backup',
      '→ Now: Checking your passphrase and unlocking your keys (this can take a few seconds)',
      'Next: Checking they are the keys Haven publishes for you',
      'Next: Keeping them in this browser',
    ]);
    expect(restoring.at(-1)?.steps.every((step) => step.startsWith('✓ Done: '))).toBe(true);
    expect(await b.page.getByRole('progressbar', { name: 'Progress of restoring your keys' }).getAttribute('value')).toBe('1');

    await b.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Conversations' }).click();
    await b.page.getByRole('link', { name: 'Conversation with Morgan Reid' }).click();
    const message = b.page.getByRole('article').filter({ hasText: TEXT });
    await message.waitFor({ timeout: 15_000 });
    expect(await message.innerText()).toContain('Morgan Reid');
    expect(await message.innerText()).not.toContain('cannot be');
    await b.page.screenshot({ path: path.join(SCREENSHOTS, 'key-restore.png'), fullPage: true });
    expect(a.problems).toEqual([]);
    expect(b.problems).toEqual([]);
  });
});
