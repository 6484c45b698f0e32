import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Url, ready, verifyAttestation } from '../../crypto';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner } from '../support/practitioner';
import { totpCode } from '../support/totp';
import { SCREENSHOTS, launchBrowser, watchForProblems } from './browser';
import { openAccountWithKeys } from './people-in-browsers';

let haven: TestHaven;
let browser: Browser;
const people = new People(() => haven);
let jordan: Practitioner;

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  browser = await launchBrowser();
  // Jordan Ellis set up keys in his own browser, played here by Node.
  jordan = new Practitioner(await people.as('Jordan'));
  await jordan.publishKeys();
});
afterAll(async () => {
  await browser?.close();
  await haven?.close();
});

type KeyLogProof = { entry: { userId: string; fingerprint: string; attestedBy: string | null; attestation: string | null } };

describe('admin key attestation in Chromium', () => {
  it('an agency admin checks Jordan’s fingerprint while verifying him, and her signature goes into the key log', { timeout: 60_000 }, async () => {
    const priya = haven.account('Priya');
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watchForProblems(page);
    await page.goto(haven.url);
    await page.getByLabel('Email address').fill(priya.email);
    await page.getByLabel('Password').fill(priya.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Security code').fill(totpCode(priya.totpSecret ?? ''));
    await page.getByRole('button', { name: 'Continue' }).click();
    // Priya's own keys are made in this browser: they sign the attestation.
    await openAccountWithKeys(page);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('Show users').selectOption('verified');
    await page.getByRole('button', { name: 'Verify Jordan Ellis' }).click();
    const today = new Date().toISOString().slice(0, 10);
    await page.getByLabel('Identity checked on').fill(today);
    await page.getByLabel('Vetting (DBS) check date').fill(today);
    await page.getByLabel('Protocol training completed on').fill(today);

    // The fingerprint shown is the one Jordan's browser made, grouped for reading aloud.
    const shown = page.locator('form.verify code.fingerprint');
    await shown.waitFor({ timeout: 15_000 });
    expect((await shown.innerText()).replace(/\s/g, '')).toBe(jordan.fingerprint);
    await page.getByLabel('I have checked this fingerprint with Jordan Ellis (in person or by phone)').check();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'key-attestation-form.png'), fullPage: true });
    await page.getByRole('button', { name: 'Verify user' }).click();
    await page.getByRole('region', { name: 'Success' }).getByText('Keys confirmed.').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'key-attestation.png'), fullPage: true });

    // The key log's newest entry for Jordan is attested by Priya, with a signature that checks out.
    const db = await rawClient(haven.database.url);
    const priyaId = (await db.query<{ id: string }>(`select id from users where name = 'Priya Natarajan'`)).rows[0]?.id ?? '';
    await db.end();
    const { status, body } = await jordan.api.get<KeyLogProof>(`/api/key-log/proof?userId=${jordan.userId}`);
    expect(status).toBe(200);
    expect(body.entry).toMatchObject({ userId: jordan.userId, fingerprint: jordan.fingerprint, attestedBy: priyaId });
    const priyaKeys = await jordan.api.get<{ keys: { signPublicKey: string }[] }>(`/api/keys?userIds=${priyaId}`);
    const priyaSignKey = priyaKeys.body.keys[0]?.signPublicKey ?? '';
    expect(verifyAttestation({ userId: jordan.userId, fingerprint: jordan.fingerprint }, body.entry.attestation ?? '', fromBase64Url(priyaSignKey))).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });
});
