import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Url, generateIdentity, openNote, ready, type IdentityKeys, type SealedNote } from '../../crypto';
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
let morganKeys: IdentityKeys;
let morganId = '';
// Unique per run, so finding it anywhere in the database can only mean this summary leaked.
const CANARY = `CANARY-verbal-share-${randomUUID()}`;
const EXEMPTION_DETAIL = 'Lily described bruising caused by an adult at home; asking the family first could put her at further risk.';

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  browser = await launchBrowser();
  // Morgan Reid (police) set up keys in another browser, played here by Node.
  morganKeys = generateIdentity();
  const res = await publishKeys(await people.as('Morgan'), morganKeys);
  expect(res.status).toBe(201);
  morganId = res.body.keys.userId;
  await confirmDemoKeys(haven, ['Morgan']);
});
afterAll(async () => {
  await browser?.close();
  await haven?.close();
});

type Entry = {
  id: string;
  kind: string;
  sender: { id: string; name: string };
  participants: { user: { id: string; name: string } | null; needToKnowReason: string | null }[];
  record: Record<string, unknown>;
  summary: SealedNote | null;
};

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
}

describe('recording a verbal share in Chromium', () => {
  it('a practitioner records a verbal share without consent, with a summary only the people involved can read', { timeout: 90_000 }, async () => {
    const page = await browser.newPage();
    const problems = watchForProblems(page);
    await signIn(page, 'Jordan');

    // The account page shows the key fingerprint this browser just made and published.
    await openAccountWithKeys(page);
    const fingerprint = page.locator('code.fingerprint');
    expect(await fingerprint.innerText()).toMatch(/^[0-9a-f]{4}( [0-9a-f]{4}){15}$/);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Find a child' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Lilly Hartwel');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('button', { name: 'Open record for Lily Hartwell' }).click();
    await page.getByLabel('Why do you need to see this record?').fill('To record a conversation with the police about Lily');
    await page.getByRole('button', { name: 'Open record' }).click();
    await page.getByRole('button', { name: 'Record a verbal share' }).click();
    await page.getByRole('heading', { name: 'Record a verbal share', level: 1 }).waitFor();

    const when = anHourAgo();
    await page.getByLabel('Date', { exact: true }).fill(when.date);
    await page.getByLabel('Time', { exact: true }).fill(when.time);

    await page.getByLabel('Name of the person').fill('Morgan');
    await page.getByRole('button', { name: 'Find person' }).click();
    await page.getByRole('button', { name: 'Add Morgan Reid' }).click();
    // The police are not involved with Lily, so the reason Morgan needed to know is asked for.
    await page.getByLabel('Why does Morgan Reid need to know?').fill('PC Reid is attending the home visit this afternoon.');

    const consent = page.getByRole('group', { name: 'Consent', exact: true });
    await consent.getByLabel('Consent not sought', { exact: true }).check();
    await page.getByRole('group', { name: 'Which exemption allows sharing without consent?' }).getByLabel('Risk of significant harm', { exact: true }).check();
    await page.getByLabel('Why does this exemption apply?').fill(EXEMPTION_DETAIL);
    await page.getByLabel('Purpose of sharing').fill('To plan a joint visit under s.47 enquiries.');
    await page.getByLabel('Safeguarding concern', { exact: true }).check();
    await page.getByLabel('Family and household', { exact: true }).check();
    await page.getByLabel('Public task', { exact: true }).check();
    await page.getByRole('group', { name: 'Does it include special category information (for example health)?' }).getByLabel('No', { exact: true }).check();
    await page.getByLabel('Children Act 1989 s.47', { exact: true }).check();
    await page
      .getByLabel('Why was sharing necessary and proportionate?')
      .fill('The police need to know who lives at the address before the visit; nothing more was said.');
    await page.getByRole('group', { name: 'Was the child or family told?' }).getByLabel('No', { exact: true }).check();
    await page.getByLabel('Why not?').fill('Telling the family before the visit could put Lily at risk.');
    // Enabled once this browser's keys are ready and Morgan has keys.
    await page.getByLabel('Summary (optional)').fill(`${CANARY}: the mother's partner has moved back in.`);
    await page.getByRole('button', { name: 'Record verbal share' }).click();

    // The chronology: the entry, in plain words, with the summary opened in this browser.
    await page.getByRole('heading', { name: 'Chronology', level: 1 }).waitFor();
    await page.getByRole('region', { name: 'Success' }).waitFor();
    const entry = page.getByRole('article').filter({ hasText: 'Verbal share' });
    await entry.getByText(CANARY).waitFor();
    const text = await entry.innerText();
    for (const words of [
      'Consent not sought',
      'Exemption: Risk of significant harm',
      EXEMPTION_DETAIL,
      'Morgan Reid',
      'Northmoor Constabulary',
      'Public task',
      'Children Act 1989 s.47',
    ]) {
      expect(text).toContain(words);
    }
    expect(text).toContain('PC Reid is attending the home visit this afternoon.');
    expect(text).not.toContain('cannot be opened');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'verbal-share-chronology.png'), fullPage: true });
    const childId = /#\/children\/([0-9a-f-]{36})\/chronology$/.exec(page.url())?.[1] ?? '';
    expect(childId).not.toBe('');

    // Morgan sees the entry, with the consent tag as chosen, and opens the summary with keys from another browser.
    const morgan = await people.as('Morgan');
    const res = await morgan.get<{ entries: Entry[] }>(`/api/children/${childId}/chronology`);
    expect(res.status).toBe(200);
    const shared = res.body.entries.filter((e) => e.kind === 'verbal');
    expect(shared).toHaveLength(1);
    const [recorded] = shared;
    if (!recorded?.summary) throw new Error('the entry has no summary');
    expect(recorded.sender.name).toBe('Jordan Ellis');
    expect(recorded.participants).toEqual([expect.objectContaining({ user: { id: morganId, name: 'Morgan Reid' } })]);
    expect(recorded.record['consent']).toEqual({ status: 'not_sought', exemption: 'risk_of_significant_harm', exemptionDetail: EXEMPTION_DETAIL });
    expect(recorded.record).toMatchObject({ article6Basis: 'public_task', specialCategory: false, legalGateway: 'children_act_1989_s47' });
    const context = { shareId: recorded.id, childId, senderId: recorded.sender.id };
    // Signed by Jordan's browser with the key Jordan published (sealed note v2).
    const published = await morgan.get<{ keys: { userId: string; signPublicKey: string }[] }>(`/api/keys?userIds=${recorded.sender.id}`);
    const author = { userId: recorded.sender.id, signPublicKey: fromBase64Url(published.body.keys[0]?.signPublicKey ?? '') };
    expect(openNote(recorded.summary, context, { userId: morganId, ...morganKeys }, author)).toEqual({ text: expect.stringContaining(CANARY), signed: true });

    // The server holds the summary only as ciphertext: the canary is in no table.
    const db = await rawClient(haven.database.url);
    try {
      const tables = (await db.query<{ tablename: string }>(`select tablename from pg_tables where schemaname = 'public'`)).rows;
      expect(tables.length).toBeGreaterThan(0);
      for (const { tablename } of tables) {
        const dump = (await db.query<{ t: string }>(`select coalesce(string_agg(t::text, ''), '') as t from "${tablename}" t`)).rows[0]?.t ?? '';
        expect(dump, tablename).not.toContain(CANARY);
      }
    } finally {
      await db.end();
    }

    expect(problems).toEqual([]);
    await page.close();
  });
});
