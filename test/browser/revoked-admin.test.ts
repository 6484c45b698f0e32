import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ready } from '../../crypto';
import { revokeAdminAsOperator } from '../../server/admin-certificates';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner } from '../support/practitioner';
import { testOrgRootKeys, testTrustRoots } from '../support/trust-roots';
import { launchBrowser, watchForProblems } from './browser';
import { signInInBrowser, startConversationWithMorgan } from './people-in-browsers';

// A revoked admin certificate in Chromium (docs/key-log.md, "Revoking a certificate"): Morgan's
// keys, confirmed by Sam, go without a question until the operator takes back everything Sam's key
// vouched for; then Jordan's browser asks before sending, and keeps asking after the revocation's
// row is deleted from the database, because the browser kept the revocation it verified.
let haven: TestHaven;
let browser: Browser;
const people = new People(() => haven);
let morgan: Practitioner;
let page: Page;
let problems: string[];

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  browser = await launchBrowser();
  morgan = new Practitioner(await people.as('Morgan'));
  await morgan.publishKeys();
  await morgan.connect();
  // Sam (system admin, certified as he publishes in the demo) confirms Morgan's keys: the police have no admin of their own.
  const sam = new Practitioner(await people.as('Sam'));
  await sam.publishKeys();
  expect((await sam.attest(morgan)).status).toBe(204);
  const context = await browser.newContext();
  page = await context.newPage();
  problems = watchForProblems(page);
  await signInInBrowser(page, haven, 'Jordan');
});
afterAll(async () => {
  morgan?.disconnect();
  await browser?.close();
  await haven?.close();
});

const UNCONFIRMED = 'Morgan Reid’s agency has not yet confirmed their security keys';

async function send(text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send securely' }).click();
}

describe('a revoked admin certificate, in Chromium', () => {
  it(
    'keys confirmed by an admin whose certificate is revoked are asked about, also after the revocation is deleted from the database',
    { timeout: 120_000 },
    async () => {
      const conversation = await startConversationWithMorgan(page, {
        reason: 'To talk to the police about a home visit for Lily',
        purpose: 'To plan a joint home visit this week.',
        proportionate: 'Only what the visiting officer needs to know about the household.',
      });
      // Confirmed by Sam: it goes at once.
      await send('The visit is at 3pm.');
      await page.getByRole('status').filter({ hasText: 'Sent' }).waitFor({ timeout: 15_000 });
      await vi.waitFor(() => expect(morgan.received).toHaveLength(1), { timeout: 15_000 });

      // The operator takes back everything Sam's key vouched for (it may have been stolen).
      await revokeAdminAsOperator(haven.ctx, {
        email: haven.account('Sam').email,
        fromTreeSize: 0,
        orgRoot: { ...testOrgRootKeys(), file: 'the test org root' },
        trustRoots: testTrustRoots(),
      });
      const notice = page
        .getByRole('alert')
        .filter({ hasText: UNCONFIRMED })
        .filter({ has: page.getByRole('button', { name: 'I have checked, send to Morgan Reid' }) });
      for (const step of ['after the revocation', 'after its row is deleted']) {
        if (step === 'after its row is deleted') {
          const db = await rawClient(haven.database.url);
          await db.query('delete from admin_certificate_revocations');
          await db.end();
        }
        // A new page load fetches the certificates again: what is served now, plus what this browser kept.
        await page.goto(conversation);
        await page.reload();
        await page.getByRole('heading', { name: 'Conversation', level: 1 }).waitFor({ timeout: 15_000 });
        await send(`Still at 3pm (${step}).`);
        await notice.waitFor({ timeout: 15_000 });
        await page.getByText('Nothing was sent.').first().waitFor();
        expect(morgan.received, step).toHaveLength(1);
      }
      expect(problems).toEqual([]);
    },
  );
});
