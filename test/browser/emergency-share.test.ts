import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Url, generateIdentity, openEnvelope, parseEnvelope, ready, type IdentityKeys } from '../../crypto';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { publishKeys } from '../support/keys';
import { totpCode } from '../support/totp';
import { SCREENSHOTS, launchBrowser, watchForProblems } from './browser';
import { openAccountWithKeys } from './people-in-browsers';
import { confirmDemoKeys } from '../support/confirm-keys';

let haven: TestHaven;
let browser: Browser;
const people = new People(() => haven);
let alexKeys: IdentityKeys;
let alexId = '';
const RECORD_TEXT = `Written record ${Date.now()}: told DC Carter by phone that Callum was seen with the group under investigation.`;

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  browser = await launchBrowser();
  // Alex Carter (police designated officer) set up keys in another browser, played here by Node.
  alexKeys = generateIdentity();
  const res = await publishKeys(await people.as('Alex'), alexKeys);
  expect(res.status).toBe(201);
  alexId = res.body.keys.userId;
  // Police have no agency admin in the demo: the system admin confirms Alex's keys, as when verifying him.
  await confirmDemoKeys(haven, ['Alex']);
});
afterAll(async () => {
  await browser?.close();
  await haven?.close();
});

/** A time an hour ago, as the browser's date and time inputs take it (local time, like the browser's). */
function anHourAgo(): { date: string; time: string } {
  const at = new Date(Date.now() - 60 * 60_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return { date: `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}`, time: `${two(at.getHours())}:${two(at.getMinutes())}` };
}

async function signIn(page: Page, name: string): Promise<void> {
  const account = haven.account(name);
  await page.goto(haven.url);
  await page.getByLabel('Email address').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Security code').fill(totpCode(account.totpSecret ?? ''));
  await page.getByRole('button', { name: 'Continue' }).click();
  await openAccountWithKeys(page);
}

/** The share record of an offending-risk share: no consent (crime), offending information, s.115. */
async function fillOffendingRecord(scope: Page | Locator, necessity: string): Promise<void> {
  await scope.getByRole('group', { name: 'Consent', exact: true }).getByLabel('Consent not sought', { exact: true }).check();
  await scope
    .getByRole('group', { name: 'Which exemption allows sharing without consent?' })
    .getByLabel('Prevention or detection of crime', { exact: true })
    .check();
  await scope.getByLabel('Why does this exemption apply?').fill('Asking Callum or his family would alert the group the police are investigating.');
  await scope.getByLabel('Purpose of sharing').fill('To prevent further offending by the group Callum has joined.');
  await scope.getByLabel('Offending or antisocial behaviour', { exact: true }).check();
  await scope.getByLabel('Public task', { exact: true }).check();
  await scope.getByRole('group', { name: 'Does it include special category information (for example health)?' }).getByLabel('No', { exact: true }).check();
  await scope
    .getByRole('group', { name: 'Condition in the Data Protection Act 2018, Schedule 1' })
    .getByLabel('Preventing or detecting unlawful acts', { exact: true })
    .check();
  await scope.getByLabel('Crime and Disorder Act 1998 s.115', { exact: true }).check();
  await scope.getByLabel(necessity).fill('Only the officers on the case, and only what they need to act.');
  await scope.getByRole('group', { name: 'Was the child or family told?' }).getByLabel('No', { exact: true }).check();
  await scope.getByLabel('Why not?').fill('Telling the family would alert the group under investigation.');
}

describe('an emergency verbal share about a child at risk of offending, in Chromium', () => {
  it('a designated officer marks the child, shares in an emergency and files the written record', { timeout: 150_000 }, async () => {
    const page = await browser.newPage();
    const problems = watchForProblems(page);
    await signIn(page, 'Ruth');
    const nav = page.getByRole('navigation', { name: 'Main' });

    // Open Callum's record with a reason and mark him.
    await nav.getByRole('link', { name: 'Find a child' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Callum Byrne');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('button', { name: 'Open record for Callum Byrne' }).click();
    await page.getByLabel('Why do you need to see this record?').fill('Referral from the youth offending panel about Callum');
    await page.getByRole('button', { name: 'Open record' }).click();
    await page.getByRole('button', { name: 'Mark as at risk of offending' }).click();
    await page.getByLabel('Why are you marking this child?').fill('Referral from the youth offending panel');
    await page.getByRole('button', { name: 'Mark as at risk of offending' }).click();
    await page.getByText('Information about this child is shared only between designated officers, in writing, in the special file').waitFor();
    await page.getByRole('button', { name: 'Remove the mark' }).waitFor();

    // The special file: put Alex Carter on the case.
    await page.getByRole('button', { name: 'Special file' }).click();
    await page.getByRole('heading', { name: 'Special file', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Add a designated officer' }).click();
    await page.getByLabel('Name of the person').fill('Alex');
    await page.getByRole('button', { name: 'Find person' }).click();
    await page.getByRole('button', { name: 'Add Alex Carter' }).click();
    await fillOffendingRecord(page.locator('#add-officer'), 'Why is sharing necessary and proportionate?');
    await page.getByRole('button', { name: 'Add to the case' }).click();
    await page.getByRole('status').filter({ hasText: 'Alex Carter is now on the case.' }).waitFor();
    await page.getByRole('listitem').filter({ hasText: 'Alex Carter' }).waitFor();

    // An emergency verbal share to Alex.
    await page.getByRole('link', { name: 'Back to Callum Byrne’s record' }).click();
    await page.getByRole('button', { name: 'Record a verbal share' }).click();
    await page.getByRole('heading', { name: 'Record a verbal share', level: 1 }).waitFor();
    await page.getByText('A verbal share about a child at risk of offending is allowed only in an emergency.').waitFor();
    await page.getByLabel('This was an emergency').check();
    const when = anHourAgo();
    await page.getByLabel('Date', { exact: true }).fill(when.date);
    await page.getByLabel('Time', { exact: true }).fill(when.time);
    await page.getByLabel('Name of the person').fill('Alex');
    await page.getByRole('button', { name: 'Find person' }).click();
    await page.getByRole('button', { name: 'Add Alex Carter' }).click();
    await fillOffendingRecord(page, 'Why was sharing necessary and proportionate?');
    await page.getByRole('button', { name: 'Record verbal share' }).click();
    const dueText = await page.getByText(/^File the written record by /).innerText();
    expect(dueText).toMatch(/\d{4} at \d{2}:\d{2}/);
    const due = dueText.replace('File the written record by ', '').replace(/\.$/, '');

    // The dashboard lists it, with its due date.
    await nav.getByRole('link', { name: 'Written records due' }).click();
    await page.getByRole('heading', { name: 'Written records due', level: 1 }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Callum Byrne' });
    await row.waitFor();
    expect(await row.innerText()).toContain(due);
    expect(await row.innerText()).not.toContain('Overdue');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'obligation-due.png'), fullPage: true });

    // File the written record for it.
    await row.getByRole('button', { name: /^File the written record/ }).click();
    await page.getByRole('heading', { name: 'Special file', level: 1 }).waitFor();
    await page.getByText('This record is for your emergency verbal share').waitFor();
    const filing = page.getByRole('form', { name: 'File a written record' });
    await filing.getByLabel('Information shared').fill(RECORD_TEXT);
    await filing.getByLabel('Date the information was shared').fill(when.date);
    await fillOffendingRecord(filing, 'Why is sharing necessary and proportionate?');
    await page.getByRole('button', { name: 'File written record' }).click();
    await page.getByText('The obligation to file it is met.').waitFor({ timeout: 15_000 });
    await page.getByRole('article').filter({ hasText: RECORD_TEXT }).waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'special-file-record.png'), fullPage: true });

    await nav.getByRole('link', { name: 'Written records due' }).click();
    await page.getByText('You have no written records to file.').waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'emergency-share-discharged.png'), fullPage: true });

    // From Node: the obligation was discharged by the written record, which is in the special file.
    const db = await rawClient(haven.database.url);
    let messageId = '';
    let childId = '';
    try {
      const rows = (
        await db.query<{ discharged_at: Date | null; discharged_by_message_id: string | null; child_id: string; cancelled_at: Date | null }>(
          `select o.discharged_at, o.discharged_by_message_id, o.child_id, o.cancelled_at from obligations o join users u on u.id = o.officer_id where u.name = 'Ruth Adeyemi'`,
        )
      ).rows;
      expect(rows).toHaveLength(1);
      expect(rows[0]?.discharged_at).not.toBeNull();
      expect(rows[0]?.cancelled_at).toBeNull();
      messageId = rows[0]?.discharged_by_message_id ?? '';
      childId = rows[0]?.child_id ?? '';
    } finally {
      await db.end();
    }
    const alex = await people.as('Alex');
    const file = await alex.get<{ records: { id: string; senderId: string; envelope: Record<string, unknown> | null }[] }>(
      `/api/children/${childId}/special-file`,
    );
    expect(file.status).toBe(200);
    const record = file.body.records.find((r) => r.id === messageId);
    if (!record?.envelope) throw new Error('the written record is not in the special file');
    const envelope = parseEnvelope(record.envelope);
    expect(envelope.header).toMatchObject({ kind: 'written_record', tier: 'offending_risk', childId });
    const keys = await alex.get<{ keys: { userId: string; signPublicKey: string }[] }>(`/api/keys?userIds=${record.senderId}`);
    const signKey = keys.body.keys[0]?.signPublicKey ?? '';
    const reader = { userId: alexId, boxPublicKey: alexKeys.boxPublicKey, boxPrivateKey: alexKeys.boxPrivateKey };
    const { body } = openEnvelope(envelope, reader, fromBase64Url(signKey));
    expect(new TextDecoder().decode(body)).toContain(RECORD_TEXT);

    expect(problems).toEqual([]);
    await page.close();
  });
});
