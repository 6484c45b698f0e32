import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { checkScreen } from './axe';
import { SCREENSHOTS, launchBrowser, watchForProblems } from './browser';
import { signInInBrowser } from './people-in-browsers';

// An agency admin appoints a lead practitioner for a child on the record page (a GOV.UK form with
// an error summary), and the lead opens every agency's chronology about the child from Home.
let haven: TestHaven;
let browser: Browser;
const people = new People(() => haven);
let lilyId = '';

beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true });
  browser = await launchBrowser();
  const jordan = await people.as('Jordan');
  lilyId = (await jordan.get<{ children: { id: string }[] }>('/api/children?name=Lily+Hartwell')).body.children[0]?.id ?? '';
});
afterAll(async () => {
  await browser?.close();
  await haven?.close();
});

async function openRecord(page: Page, reason: string): Promise<void> {
  await page.getByLabel('Why do you need to see this record?').fill(reason);
  await page.getByRole('button', { name: 'Open record' }).click();
  await page.getByRole('heading', { name: 'Lead practitioner', level: 2 }).waitFor({ timeout: 15_000 });
}

describe('lead practitioner in Chromium', () => {
  it('an agency admin appoints a lead; the lead opens the all-agencies chronology; both screens pass axe', { timeout: 90_000 }, async () => {
    const accessibility: string[] = [];

    // Priya, the council's admin, opens Lily's record (her agency serves Lily) and appoints Jordan.
    const adminContext = await browser.newContext();
    const admin = await adminContext.newPage();
    const adminProblems = watchForProblems(admin);
    await signInInBrowser(admin, haven, 'Priya');
    await admin.goto(`${haven.url}/#/children/${lilyId}`);
    await openRecord(admin, 'Choosing a lead practitioner for Lily');
    await admin.getByText('No lead practitioner is appointed for Lily Hartwell.').waitFor();
    await admin.getByRole('button', { name: 'Appoint a lead practitioner' }).click();
    const who = admin.getByRole('group', { name: 'Who should be lead practitioner for Lily Hartwell?' });
    await who.getByLabel('Jordan Ellis').waitFor({ timeout: 15_000 });
    // Nothing chosen: the error summary names both fields and links to them.
    await admin.getByRole('button', { name: 'Appoint lead practitioner' }).click();
    const summary = admin.getByRole('alert').filter({ hasText: 'There is a problem' });
    await summary.getByRole('link', { name: 'Choose the practitioner to appoint' }).waitFor();
    await summary.getByRole('link', { name: 'Enter why you are appointing them' }).waitFor();
    accessibility.push(...(await checkScreen(admin, 'appointing a lead practitioner, with errors')));
    await who.getByLabel('Jordan Ellis').check();
    await admin.getByLabel('Why are you appointing them?').fill('Jordan coordinates the child in need plan');
    await admin.getByRole('button', { name: 'Appoint lead practitioner' }).click();
    await admin.getByRole('region', { name: 'Success' }).getByText('Jordan Ellis is now lead practitioner for Lily Hartwell.').waitFor({ timeout: 15_000 });
    expect(await admin.getByText(/^Lead practitioner: Jordan Ellis, Northmoor County Council Children's Services/).count()).toBe(1);
    await admin.getByRole('button', { name: 'Change lead practitioner' }).waitFor();
    accessibility.push(...(await checkScreen(admin, 'child record with a lead practitioner (agency admin)')));
    await admin.screenshot({ path: path.join(SCREENSHOTS, 'lead-practitioner-appointed.png'), fullPage: true });
    expect(adminProblems).toEqual([]);
    await adminContext.close();

    // Jordan finds Lily on Home, opens her record and switches to every agency's chronology.
    const leadContext = await browser.newContext();
    const lead = await leadContext.newPage();
    const leadProblems = watchForProblems(lead);
    await signInInBrowser(lead, haven, 'Jordan');
    await lead.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
    const led = lead.getByRole('region', { name: 'Children you are lead practitioner for' });
    await led.getByRole('link', { name: 'Lily Hartwell' }).click({ timeout: 15_000 });
    await openRecord(lead, 'Reviewing the chronology before the core group');
    await lead.getByRole('link', { name: 'Chronology: all agencies (lead practitioner)' }).click();
    const whose = lead.getByRole('navigation', { name: 'Whose entries' });
    await whose.getByRole('link', { name: 'All agencies (lead practitioner)' }).waitFor();
    expect(await whose.getByRole('link', { name: 'All agencies (lead practitioner)' }).getAttribute('aria-current')).toBe('page');
    // The demo's police share with Ruth: Jordan took no part in it, and it names its agency.
    const entry = lead.getByRole('article').filter({ hasText: 'Alex Carter' });
    await entry.waitFor({ timeout: 15_000 });
    expect(await entry.getByRole('heading', { level: 2 }).innerText()).toContain('Northmoor Constabulary');
    expect(await entry.innerText()).toContain('Tell children’s services about a police call-out to the family home');
    accessibility.push(...(await checkScreen(lead, 'multi-agency chronology')));
    await lead.screenshot({ path: path.join(SCREENSHOTS, 'multi-agency-chronology.png'), fullPage: true });

    // "Yours": Jordan has recorded nothing about Lily, so his own chronology is empty.
    await whose.getByRole('link', { name: 'Yours' }).click();
    await lead.getByText('Nothing is recorded yet.').waitFor({ timeout: 15_000 });
    expect(await lead.getByRole('article').count()).toBe(0);

    // The council stops serving Lily: the button says first that Jordan's appointment ends with it, and it does.
    await lead.goto(`${haven.url}/#/children/${lilyId}`);
    const ending = lead.getByRole('button', { name: 'My agency no longer provides a service' });
    await ending.waitFor({ timeout: 15_000 });
    expect(await lead.locator(`#${await ending.getAttribute('aria-describedby')}`).innerText()).toBe(
      "This also ends Jordan Ellis's appointment as Lily Hartwell's lead practitioner.",
    );
    await ending.click();
    // Only the council served Lily in the demo, so she leaves the index; the audit log shows the appointment ended with it.
    await lead.getByText('This child has left the index').waitFor({ timeout: 15_000 });
    const audit = await (
      await people.as('Sam')
    ).get<{ entries: { subject: { id: string } | null; detail: Record<string, unknown> }[] }>('/api/audit?action=lead_practitioner.ended');
    expect(audit.body.entries[0]?.detail).toMatchObject({ involvementEnded: true });
    expect(leadProblems).toEqual([]);
    await leadContext.close();

    expect(accessibility).toEqual([]);
  });
});
