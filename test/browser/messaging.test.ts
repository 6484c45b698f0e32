import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fromBase64Url, generateIdentity, keyFingerprint, openEnvelope, parseEnvelope, publicIdentity, ready } from '../../crypto';
import { ApiClient } from '../support/client';
import { Practitioner } from '../support/practitioner';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { totpCode } from '../support/totp';
import { SCREENSHOTS, launchBrowser, watchForProblems } from './browser';
import { openAccountWithKeys, startConversationWithMorgan } from './people-in-browsers';
import { confirmDemoKeys } from '../support/confirm-keys';

let haven: TestHaven;
let browser: Browser;
const contexts: BrowserContext[] = [];
// Unique per run, so finding it anywhere in the database can only mean the message leaked.
const CANARY = `CANARY-message-${randomUUID()}`;

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  browser = await launchBrowser();
});
afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await haven?.close();
});

/** A practitioner in a browser of their own, signed in with two factors, their keys made and published. */
async function practitioner(name: string): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  const problems = watchForProblems(page);
  const account = haven.account(name);
  await page.goto(haven.url);
  await page.getByLabel('Email address').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Security code').fill(totpCode(account.totpSecret ?? ''));
  await page.getByRole('button', { name: 'Continue' }).click();
  await openAccountWithKeys(page);
  return { page, problems };
}

async function dumpDatabase(): Promise<Record<string, string>> {
  const db = await rawClient(haven.database.url);
  try {
    const tables = (await db.query<{ tablename: string }>(`select tablename from pg_tables where schemaname = 'public'`)).rows;
    const dump: Record<string, string> = {};
    for (const { tablename } of tables) {
      dump[tablename] = (await db.query<{ t: string }>(`select coalesce(string_agg(t::text, ''), '') as t from "${tablename}" t`)).rows[0]?.t ?? '';
    }
    return dump;
  } finally {
    await db.end();
  }
}

describe('secure conversations in Chromium', () => {
  let jordan: { page: Page; problems: string[] };
  let morgan: { page: Page; problems: string[] };
  let threadUrl = '';

  it('two practitioners exchange an end-to-end encrypted message about a child', { timeout: 120_000 }, async () => {
    jordan = await practitioner('Jordan');
    morgan = await practitioner('Morgan');
    // Their admin confirms both new keys, as when verifying them (the unconfirmed step: unconfirmed-keys.test.ts).
    await confirmDemoKeys(haven, ['Jordan', 'Morgan']);
    const page = jordan.page;

    threadUrl = await startConversationWithMorgan(page, {
      reason: 'To talk to the police about a home visit for Lily',
      purpose: 'To plan a joint home visit this week.',
      proportionate: 'Only what the visiting officer needs to know about the household.',
    });
    // The share record starts from the one the conversation was started with.
    await page.getByLabel('Message', { exact: true }).fill(`${CANARY}: the mother's partner has moved back in.`);
    await page.getByRole('button', { name: 'Send securely' }).click();
    await page.getByRole('status').filter({ hasText: 'Sent' }).waitFor();
    await page.getByRole('article').filter({ hasText: CANARY }).waitFor();

    // Morgan is told, without names or content, then reads the message opened in his browser.
    const notice = morgan.page.getByText('You have a new secure message');
    await notice.waitFor({ timeout: 15_000 });
    expect(await morgan.page.locator('[aria-live="polite"]').filter({ hasText: 'You have a new secure message' }).innerText()).not.toContain('Lily');
    await morgan.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Conversations' }).click();
    await morgan.page.getByRole('heading', { name: 'Conversations', level: 1 }).waitFor();
    await morgan.page.getByText('1 unread').waitFor();
    await morgan.page.getByRole('link', { name: 'Conversation with Jordan Ellis' }).click();
    const received = morgan.page.getByRole('article').filter({ hasText: CANARY });
    await received.waitFor({ timeout: 15_000 });
    expect(await received.innerText()).toContain('Jordan Ellis');
    await morgan.page.screenshot({ path: path.join(SCREENSHOTS, 'messaging-recipient.png'), fullPage: true });

    await page.getByText('Read by Morgan Reid').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'messaging-sender.png'), fullPage: true });

    // Morgan replies in the same conversation; the share record starts from the message he read.
    const reply = `${CANARY}-reply: PC Reid will attend at 3pm with a colleague.`;
    await morgan.page.getByLabel('Message', { exact: true }).fill(reply);
    await morgan.page.getByRole('button', { name: 'Send securely' }).click();
    await morgan.page.getByRole('status').filter({ hasText: 'Sent' }).waitFor({ timeout: 15_000 });
    await morgan.page.getByRole('article').filter({ hasText: reply }).waitFor();

    // Jordan, with the conversation open, reads the reply, opened in that browser.
    const replied = page.getByRole('article').filter({ hasText: reply });
    await replied.waitFor({ timeout: 15_000 });
    expect(await replied.innerText()).toContain('Morgan Reid');
    expect(await replied.innerText()).not.toContain('cannot be');
    await morgan.page.getByText('Read by Jordan Ellis').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'messaging-both-ways-jordan.png'), fullPage: true });

    // Opened again after a reload (nothing heard live since), the conversation still shows who read the reply.
    await morgan.page.reload();
    await morgan.page.getByRole('article').filter({ hasText: reply }).waitFor({ timeout: 15_000 });
    await morgan.page.getByText('Read by Jordan Ellis').waitFor({ timeout: 15_000 });
    await morgan.page.screenshot({ path: path.join(SCREENSHOTS, 'messaging-both-ways-morgan.png'), fullPage: true });

    // The server only ever held ciphertext: neither message's canary is in any table.
    for (const [table, text] of Object.entries(await dumpDatabase())) expect(text, table).not.toContain(CANARY);
    expect(jordan.problems).toEqual([]);
    expect(morgan.problems).toEqual([]);
  });

  it('adds a third person to the conversation; the next message is encrypted for them too', { timeout: 120_000 }, async () => {
    // Ruth has published keys (through the API, standing in for her browser) and is connected.
    const ruthApi = new ApiClient(haven.url);
    expect((await ruthApi.signIn(haven.account('Ruth'))).status).toBe(200);
    const ruth = new Practitioner(ruthApi);
    await ruth.publishKeys();
    await confirmDemoKeys(haven, ['Ruth']);
    await ruth.connect();

    const page = jordan.page;
    await page.goto(threadUrl);
    await page.getByRole('heading', { name: 'Conversation', level: 1 }).waitFor();
    const add = page.locator('details', { hasText: 'Add someone to this conversation' });
    await add.getByText('Add someone to this conversation', { exact: true }).click();
    await add.getByLabel('Name of the person').fill('Ruth');
    await add.getByRole('button', { name: 'Find person' }).click();
    await add.getByRole('button', { name: 'Add Ruth Adeyemi' }).click();
    // This page may not know the child's agencies (it was reloaded), so it may ask why she needs to know.
    const reason = add.getByLabel('Why does Ruth Adeyemi need to know?');
    if (await reason.isVisible()) await reason.fill('Ruth is the designated officer for the family.');
    // Adding her is a share of its own, with its own record: it starts from the message being written's, as a summary (issue 18).
    await add.getByText('The same as the share record of your next message').waitFor();
    expect(await add.getByLabel('Purpose of sharing').count()).toBe(0);
    await add.getByRole('button', { name: 'Add to conversation' }).click();
    await page.getByText('Ruth Adeyemi has joined the conversation.').waitFor();
    expect(await page.getByText(/^With /).innerText()).toContain('Ruth Adeyemi');

    const text = `${CANARY}-three: the visit is at 3pm.`;
    await page.getByLabel('Message', { exact: true }).fill(text);
    await page.getByRole('button', { name: 'Send securely' }).click();
    await page.getByRole('status').filter({ hasText: 'Sent' }).waitFor({ timeout: 15_000 });
    // Ruth's copy arrives and opens with her key: the browser sealed it to her.
    await vi.waitFor(() => expect(ruth.received.length).toBeGreaterThan(0), { timeout: 15_000 });
    const jordanId = ruth.received[0]?.senderId ?? '';
    const keys = await ruthApi.get<{ keys: { signPublicKey: string }[] }>(`/api/keys?userIds=${jordanId}`);
    const message = ruth.received[0];
    if (!message?.envelope) throw new Error('no envelope');
    const { body } = openEnvelope(
      parseEnvelope(message.envelope),
      { userId: ruth.userId, boxPublicKey: ruth.keys.boxPublicKey, boxPrivateKey: ruth.keys.boxPrivateKey },
      fromBase64Url(keys.body.keys[0]?.signPublicKey ?? ''),
    );
    expect(new TextDecoder().decode(body)).toBe(text);
    ruth.disconnect();
    expect(jordan.problems).toEqual([]);
  });

  it('refuses to send when the server hands over a key that is not in the key log', { timeout: 60_000 }, async () => {
    const page = jordan.page;
    const db = await rawClient(haven.database.url);
    const forged = publicIdentity(generateIdentity());
    try {
      const morganId = (await db.query<{ id: string }>(`select id from users where name = 'Morgan Reid'`)).rows[0]?.id ?? '';
      await db.query('update user_keys set sign_public_key = $1, box_public_key = $2, fingerprint = $3 where user_id = $4', [
        forged.signPublicKey,
        forged.boxPublicKey,
        keyFingerprint(forged),
        morganId,
      ]);
    } finally {
      await db.end();
    }
    expect(page.url()).toBe(threadUrl);
    await page.getByLabel('Message', { exact: true }).fill('This must not be sent to a forged key');
    await page.getByRole('button', { name: 'Send securely' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'could not be verified' });
    await alert.waitFor({ timeout: 15_000 });
    expect(await alert.innerText()).toContain('Morgan Reid');
    expect(await alert.innerText()).toContain('Nothing was sent');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'messaging-key-refused.png'), fullPage: true });
    expect(await page.getByRole('article').filter({ hasText: 'forged key' }).count()).toBe(0);
    expect(jordan.problems).toEqual([]);
  });
});
