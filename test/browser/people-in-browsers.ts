import { randomUUID } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { fromBase64Url, sealEnvelope, type Envelope, type EnvelopeHeaderV1 } from '../../crypto';
import type { TestHaven } from '../support/haven';
import { welfareRecord, type Practitioner } from '../support/practitioner';
import { totpCode } from '../support/totp';

/**
 * Sign-in lands on Home (what needs doing; someone who cannot use the service yet lands on their
 * account). This then opens "Your account" and waits until the browser's keys are loaded (or known
 * to be elsewhere): the account page shows their fingerprint.
 */
export async function openAccountWithKeys(page: Page): Promise<void> {
  await page.getByRole('heading', { level: 1, name: /^(Home|Your Haven account)$/ }).waitFor({ timeout: 15_000 });
  await page.getByRole('banner').getByRole('link', { name: 'Your account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your Haven account' }).waitFor();
  await page.locator('code.fingerprint').waitFor({ timeout: 15_000 });
}

/** Signs a demo person in with two factors and waits on their account page until their keys are loaded (`openAccountWithKeys`). */
export async function signInInBrowser(page: Page, haven: TestHaven, name: string): Promise<void> {
  const account = haven.account(name);
  await page.goto(haven.url);
  await page.getByLabel('Email address').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Security code').fill(totpCode(account.totpSecret ?? ''));
  await page.getByRole('button', { name: 'Continue' }).click();
  await openAccountWithKeys(page);
}

/**
 * A message from a practitioner played by Node to someone whose keys were made in a browser:
 * sealed to the keys the server publishes for them, as the sender's client would. `over` changes
 * the header (a written record in a special file: kind, tier and its share record).
 */
export async function sealToBrowserUser(
  sender: Practitioner,
  thread: { id: string; childId: string },
  recipientId: string,
  text: string,
  over: Partial<EnvelopeHeaderV1> = {},
): Promise<Envelope> {
  const { body } = await sender.api.get<{ keys: { userId: string; boxPublicKey: string; fingerprint: string }[] }>(`/api/keys?userIds=${recipientId}`);
  const recipient = body.keys[0];
  if (!recipient) throw new Error('the recipient has no published keys');
  return sealEnvelope({
    header: {
      v: 1,
      id: randomUUID(),
      kind: 'message',
      threadId: thread.id,
      childId: thread.childId,
      senderId: sender.userId,
      senderKeyFingerprint: sender.fingerprint,
      recipients: [{ userId: recipientId, keyFingerprint: recipient.fingerprint }],
      tier: 'welfare',
      record: welfareRecord,
      sentAt: new Date().toISOString(),
      replyTo: null,
      corrects: null,
      correctionReason: null,
      ...over,
    },
    body: text,
    sender: { userId: sender.userId, signPrivateKey: sender.keys.signPrivateKey, boxPublicKey: sender.keys.boxPublicKey },
    recipients: [{ userId: recipientId, boxPublicKey: fromBase64Url(recipient.boxPublicKey) }],
  });
}

/** A share record with consent from a parent, public task under Children Act 2004 s.10, the family told: filled in within `scope`. */
export async function fillShareRecord(scope: Page | Locator, purpose: string, proportionate: string, { past = false } = {}): Promise<void> {
  await scope.getByRole('group', { name: 'Consent', exact: true }).getByLabel('Consent given', { exact: true }).check();
  await scope.getByRole('group', { name: 'Who gave consent?' }).getByLabel('A parent', { exact: true }).check();
  await scope.getByLabel('Date consent was given').fill(new Date().toISOString().slice(0, 10));
  await scope.getByLabel('Purpose of sharing').fill(purpose);
  await scope.getByLabel('Family and household', { exact: true }).check();
  await scope.getByLabel('Public task', { exact: true }).check();
  await scope.getByRole('group', { name: 'Does it include special category information (for example health)?' }).getByLabel('No', { exact: true }).check();
  await scope.getByLabel('Children Act 2004 s.10', { exact: true }).check();
  await scope.getByLabel(past ? 'Why was sharing necessary and proportionate?' : 'Why is sharing necessary and proportionate?').fill(proportionate);
  await scope.getByRole('group', { name: 'Was the child or family told?' }).getByLabel('Yes', { exact: true }).check();
}

/**
 * Opens Lily Hartwell's record from "Find a child" (giving `reason`) and starts a conversation about
 * her with Morgan Reid through the form, with a share record for `purpose` (`fillShareRecord`).
 * Waits until the conversation is open and returns its address.
 */
export async function startConversationWithMorgan(
  page: Page,
  { reason, purpose, proportionate }: { reason: string; purpose: string; proportionate: string },
): Promise<string> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Find a child' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Lily Hartwell');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: 'Open record for Lily Hartwell' }).click();
  await page.getByLabel('Why do you need to see this record?').fill(reason);
  await page.getByRole('button', { name: 'Open record' }).click();
  await page.getByRole('button', { name: 'Start a conversation' }).click();
  await page.getByRole('heading', { name: 'Start a conversation', level: 1 }).waitFor();
  await page.getByLabel('Name of the person').fill('Morgan');
  await page.getByRole('button', { name: 'Find person' }).click();
  await page.getByRole('button', { name: 'Add Morgan Reid' }).click();
  await page.getByLabel('Why does Morgan Reid need to know?').fill('PC Reid is attending the home visit this afternoon.');
  await fillShareRecord(page, purpose, proportionate);
  await page.getByRole('button', { name: 'Start conversation' }).click();
  await page.waitForURL(/#\/conversations\/[0-9a-f-]{36}$/);
  await page.getByRole('heading', { name: 'Conversation', level: 1 }).waitFor();
  return page.url();
}
