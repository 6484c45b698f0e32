import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../crypto';
import { ApiClient } from '../support/client';
import { rawClient } from '../support/database';
import { startTestHaven, type TestHaven } from '../support/haven';
import { People } from '../support/people';
import { Practitioner } from '../support/practitioner';
import { totpCode } from '../support/totp';
import { checkScreen } from './axe';
import { launchBrowser, watchForProblems } from './browser';
import { sealToBrowserUser, signInInBrowser } from './people-in-browsers';

// Every screen of the web client, as the person who would see it, checked with axe-core
// against WCAG 2.2 AA: no serious or critical violations. Forms are checked empty and again
// showing their validation errors, since errors bring markup of their own.

let haven: TestHaven;
let browser: Browser;
const people = new People(() => haven);
const contexts: BrowserContext[] = [];
const children: Record<'lily' | 'callum' | 'amara', string> = { lily: '', callum: '', amara: '' };
const PASSPHRASE = 'lantern orchard pebble ninety';

beforeAll(async () => {
  await ready();
  haven = await startTestHaven({ seedDemo: true });
  browser = await launchBrowser();
  const db = await rawClient(haven.database.url);
  try {
    for (const { id, name } of (await db.query<{ id: string; name: string }>('select id, name from children')).rows) {
      if (name === 'Lily Hartwell') children.lily = id;
      if (name === 'Callum Byrne') children.callum = id;
      if (name === 'Amara Osei') children.amara = id;
    }
  } finally {
    await db.end();
  }
});
afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await haven?.close();
});

/** A browser of one's own; `problems` collects CSP violations and page errors. */
async function freshPage(): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  return { page, problems: watchForProblems(page) };
}

async function signedIn(name: string): Promise<{ page: Page; problems: string[] }> {
  const fresh = await freshPage();
  await signInInBrowser(fresh.page, haven, name);
  return fresh;
}

/** Goes to a route (the hash only, so the page keeps its state) and waits for its h1. */
async function visit(page: Page, hash: string, heading: string | RegExp): Promise<void> {
  await page.goto(`${haven.url}/${hash}`);
  await h1(page, heading);
}

async function h1(page: Page, heading: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name: heading }).waitFor({ timeout: 15_000 });
}

/** Submits the form as it is and waits for its error summary. */
async function submitEmpty(page: Page, button: string): Promise<void> {
  await page.getByRole('button', { name: button, exact: true }).click();
  await page.locator('.error-summary').first().waitFor();
}

/** The violations found on each screen, kept so one test reports every failing screen at once. */
class Findings {
  readonly failures: string[] = [];
  constructor(private readonly page: Page) {}
  async check(screen: string): Promise<void> {
    this.failures.push(...(await checkScreen(this.page, screen)));
  }
}

describe('accessibility (axe-core, WCAG 2.2 AA) of every screen in Chromium', () => {
  it('the check finds an unlabelled field and low-contrast text when there are some', async () => {
    const { page, problems } = await freshPage();
    await page.goto(haven.url);
    await h1(page, 'Sign in to Haven');
    await page.evaluate(`(() => {
      const main = document.getElementById('main');
      const faint = document.createElement('p');
      faint.textContent = 'Faint text';
      faint.style.color = '#cccccc';
      main.append(faint, document.createElement('input'));
    })()`);
    const found = (await checkScreen(page, 'sign in, spoiled on purpose')).join('\n');
    expect(found).toContain('[critical] label');
    expect(found).toContain('[serious] color-contrast');
    // The page's CSP allowed axe in without a complaint.
    expect(problems).toEqual([]);
  });

  it('signed out: sign in, security code, registration, invites, errors', { timeout: 90_000 }, async () => {
    const { page, problems } = await freshPage();
    const a = new Findings(page);

    await page.goto(haven.url);
    await h1(page, 'Sign in to Haven');
    await a.check('sign in');
    await submitEmpty(page, 'Sign in');
    await a.check('sign in, nothing entered');
    const morgan = haven.account('Morgan');
    await page.getByLabel('Email address').fill(morgan.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /email address or password/i })
      .waitFor();
    await a.check('sign in, wrong password');

    await page.getByLabel('Password').fill(morgan.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await h1(page, 'Enter your security code');
    await a.check('security code');
    await page.getByLabel('Security code').fill('12');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('.error-summary').waitFor();
    await a.check('security code, too short');
    await page.getByRole('button', { name: 'Cancel and sign in as someone else' }).click();
    await h1(page, 'Sign in to Haven');

    await visit(page, '#/register', 'Create a Haven account');
    await page.getByLabel('Agency').waitFor();
    await a.check('create an account');
    await submitEmpty(page, 'Create account');
    await a.check('create an account, nothing entered');
    // An address that already has an account gets the same page as a new one (its owner is told instead).
    await page.getByLabel('Full name').fill('Someone Else');
    await page.getByLabel('Work email address').fill(morgan.email);
    const agency = page.getByLabel('Agency');
    await agency.selectOption((await agency.locator('option', { hasText: 'Northmoor Constabulary' }).getAttribute('value')) ?? '');
    await page.getByLabel('Create a password').fill('a long enough password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await h1(page, 'Thank you for registering');
    await a.check('registered, waiting for verification');
    await visit(page, '#/invite/not-a-real-invite', 'This invite link does not work');
    await a.check('invite link that does not work');

    // Haven cannot be reached: the page says so and offers to try again.
    const offline = await page.context().newPage();
    await offline.route('**/api/session', (route) => route.abort());
    await offline.goto(haven.url);
    await h1(offline, 'Sorry, Haven is not available');
    a.failures.push(...(await checkScreen(offline, 'Haven not available')));
    await offline.close();

    expect(a.failures).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('first sign-in: setting up the authenticator app, and an unverified account', { timeout: 60_000 }, async () => {
    const { page, problems } = await freshPage();
    const a = new Findings(page);
    const taylor = haven.account('Taylor');
    await page.goto(haven.url);
    await page.getByLabel('Email address').fill(taylor.email);
    await page.getByLabel('Password').fill(taylor.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await h1(page, 'Set up your authenticator app');
    const secret = page.locator('.secret code');
    await secret.waitFor();
    await a.check('set up authenticator app');
    await submitEmpty(page, 'Confirm code');
    await a.check('set up authenticator app, no code');

    await page.getByLabel('Code from your authenticator app').fill(totpCode((await secret.innerText()).replace(/\s/g, '')));
    await page.getByRole('button', { name: 'Confirm code' }).click();
    await h1(page, 'Your Haven account');
    await page.getByRole('heading', { name: 'You cannot share information' }).waitFor();
    await a.check('home, not verified');
    await visit(page, '#/children', 'You do not have access to this page');
    await a.check('no access to the index');

    expect(a.failures).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('a practitioner: home, find a child, a record, the share log forms, conversations', { timeout: 120_000 }, async () => {
    // Someone tried to register Jordan's address: Jordan's home page says when, until Jordan has read it.
    const stranger = new ApiClient(haven.url);
    const directory = await stranger.get<{ agencies: { id: string; protocolSigned: boolean }[] }>('/api/agencies/directory');
    const agencyId = directory.body.agencies.find((agency) => agency.protocolSigned)?.id;
    const attempt = await stranger.post('/api/auth/register', {
      email: haven.account('Jordan').email,
      name: 'A Stranger',
      password: 'a long enough password',
      agencyId,
    });
    expect(attempt.status).toBe(201);
    const { page, problems } = await signedIn('Jordan');
    const a = new Findings(page);

    await h1(page, 'Your Haven account');
    const attemptNotice = page.getByRole('heading', { name: 'Someone tried to create an account with your email address' });
    await attemptNotice.waitFor();
    await a.check('account, someone tried to register this address');
    await page.getByRole('button', { name: 'I have read this' }).click();
    await attemptNotice.waitFor({ state: 'detached' });
    await a.check('account, keys ready');
    await page.getByLabel('Recovery passphrase').fill(PASSPHRASE);
    await page.getByLabel('Type it again').fill('something else entirely');
    await page.getByRole('button', { name: 'Create a recovery passphrase' }).click();
    await page.locator('.error-summary').waitFor();
    await a.check('account, passphrases do not match');
    await page.getByLabel('Recovery passphrase').fill(PASSPHRASE);
    await page.getByLabel('Type it again').fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Create a recovery passphrase' }).click();
    await page.getByText('Your keys are backed up.').waitFor({ timeout: 30_000 });
    await a.check('account, keys backed up');
    await visit(page, '#/', 'Home');
    await a.check('home, what needs doing');

    await visit(page, '#/children', 'Find a child');
    await a.check('find a child');
    await submitEmpty(page, 'Search');
    await a.check('find a child, nothing entered');
    await page.getByLabel('Name', { exact: true }).fill('Lily Hartwell');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('button', { name: 'Open record for Lily Hartwell' }).click();
    await a.check('find a child, results, asked why');
    await submitEmpty(page, 'Open record');
    await a.check('find a child, no reason given');
    await page.getByLabel('Why do you need to see this record?').fill('Planning a home visit with the police');
    await page.getByRole('button', { name: 'Open record' }).click();
    await h1(page, 'Lily Hartwell');
    await a.check('child record');

    await visit(page, `#/children/${children.amara}`, "Open a child's record");
    await a.check('child record, reason asked');
    await visit(page, '#/children/new', 'Add a child to the index');
    await a.check('add a child');
    await submitEmpty(page, 'Add child to the index');
    await a.check('add a child, nothing entered');

    await visit(page, `#/children/${children.lily}/verbal-share`, 'Record a verbal share');
    await a.check('record a verbal share');
    await submitEmpty(page, 'Record verbal share');
    await a.check('record a verbal share, nothing entered');
    await visit(page, `#/children/${children.lily}/decision`, 'Record a decision not to share');
    await a.check('record a decision not to share');
    await submitEmpty(page, 'Record decision');
    await a.check('record a decision not to share, nothing entered');
    await visit(page, `#/children/${children.lily}/conversation`, 'Start a conversation');
    await a.check('start a conversation');
    await submitEmpty(page, 'Start conversation');
    await a.check('start a conversation, nothing entered');

    // Morgan (played by Node) starts a conversation with Jordan and sends a message, sealed to this browser's keys.
    const morgan = new Practitioner(await people.as('Morgan'));
    await morgan.publishKeys();
    await morgan.connect();
    try {
      const jordanId = (await morgan.api.get<{ people: { id: string }[] }>('/api/people?name=Jordan')).body.people[0]?.id ?? '';
      expect((await morgan.api.post(`/api/children/${children.lily}/open`, { reason: 'Joint visit with children’s services' })).status).toBe(200);
      const { welfareRecord } = await import('../support/practitioner');
      const started = await morgan.api.post<{ thread: { id: string; childId: string } }>(`/api/children/${children.lily}/threads`, {
        participants: [{ userId: jordanId, needToKnowReason: 'Lily’s social worker' }],
        record: welfareRecord,
      });
      expect(started.status).toBe(201);
      const sent = await morgan.send(await sealToBrowserUser(morgan, started.body.thread, jordanId, 'The visit is booked for Thursday.'));
      expect(sent).toMatchObject({ ok: true });
    } finally {
      morgan.disconnect();
    }

    await visit(page, '#/conversations', 'Conversations');
    await page.getByRole('link', { name: 'Conversation with Morgan Reid' }).waitFor();
    await a.check('conversations');
    await page.getByRole('link', { name: 'Conversation with Morgan Reid' }).click();
    await h1(page, 'Conversation');
    await page.getByRole('article').filter({ hasText: 'The visit is booked for Thursday.' }).waitFor({ timeout: 15_000 });
    await a.check('conversation');
    await page.getByText('Check security', { exact: true }).click();
    // The record starts from Morgan's message, as a summary; changing it opens every question.
    await page.getByRole('button', { name: 'Change the share record' }).click();
    await submitEmpty(page, 'Send securely');
    await a.check('conversation, security and share record open, nothing entered');
    await page.getByText('Add someone to this conversation', { exact: true }).click();
    await submitEmpty(page, 'Add to conversation');
    await a.check('conversation, adding someone, nothing entered');

    await visit(page, `#/children/${children.lily}/chronology`, 'Chronology');
    await page.getByRole('article').first().waitFor();
    await a.check('chronology');

    await visit(page, '#/no/such/page', 'Page not found');
    await a.check('page not found');
    await visit(page, '#/admin/users', 'You do not have access to this page');
    await a.check('no access to admin');
    await visit(page, '#/obligations', 'You do not have access to this page');
    await a.check('no access to obligations');

    expect(a.failures).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('a practitioner in a new browser: restoring keys', { timeout: 60_000 }, async () => {
    const { page, problems } = await signedIn('Jordan');
    const a = new Findings(page);
    await page.getByRole('heading', { name: 'Restore your keys' }).waitFor({ timeout: 15_000 });
    await a.check('restore keys');
    await page.getByLabel('Recovery passphrase').fill('not the passphrase at all');
    await page.getByRole('button', { name: 'Restore your keys' }).click();
    await page.locator('.error-summary').waitFor({ timeout: 30_000 });
    await a.check('restore keys, wrong passphrase');
    await page.getByRole('button', { name: 'Replace my keys' }).click();
    await a.check('restore keys, replacing asked to confirm');

    expect(a.failures).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('a designated officer: written records due, shields, the offending mark and the special file', { timeout: 90_000 }, async () => {
    const { page, problems } = await signedIn('Ruth');
    const a = new Findings(page);

    await visit(page, '#/obligations', 'Written records due');
    await page.getByText('You have no written records to file.').waitFor();
    await a.check('written records due');
    await visit(page, '#/children/override', 'Override a shield');
    await a.check('override a shield');
    await submitEmpty(page, 'Override shield');
    await a.check('override a shield, nothing entered');

    await visit(page, `#/children/${children.callum}`, "Open a child's record");
    await page.getByLabel('Why do you need to see this record?').fill('Referral from the youth offending panel');
    await page.getByRole('button', { name: 'Open record' }).click();
    await h1(page, 'Callum Byrne');
    await page.getByRole('button', { name: 'Mark as at risk of offending' }).click();
    await a.check('child record, marking at risk of offending');
    await page.getByLabel('Why are you marking this child?').fill('Referral from the youth offending panel');
    await page.getByRole('button', { name: 'Mark as at risk of offending' }).click();
    await page.getByRole('button', { name: 'Remove the mark' }).waitFor();
    await a.check('child record, at risk of offending');

    await page.getByRole('button', { name: 'Special file' }).click();
    await h1(page, 'Special file');
    await a.check('special file');
    await page.getByRole('button', { name: 'Add a designated officer' }).click();
    await page.getByLabel('Name of the person').fill('Alex');
    await page.getByRole('button', { name: 'Find person' }).click();
    await page.getByRole('button', { name: 'Add Alex Carter' }).waitFor();
    await a.check('special file, adding an officer');
    await submitEmpty(page, 'File written record');
    await a.check('special file, nothing entered');

    expect(a.failures).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('an agency admin: users, verifying with keys, invites, and accepting an invite', { timeout: 90_000 }, async () => {
    const { page, problems } = await signedIn('Priya');
    const a = new Findings(page);

    await visit(page, '#/', 'Home');
    await page.getByText('No written record is overdue.').waitFor({ timeout: 15_000 });
    await a.check('home, agency admin');
    await visit(page, '#/admin/users', 'Users');
    await page.getByRole('button', { name: 'Verify Taylor Brooks' }).waitFor();
    await a.check('users');
    await page.getByRole('button', { name: 'Verify Taylor Brooks' }).click();
    await a.check('users, verify form');
    await submitEmpty(page, 'Verify user');
    await a.check('users, verify form, nothing entered');
    await submitEmpty(page, 'Create invite link');
    await a.check('users, invite, nothing entered');
    await page.getByRole('textbox', { name: 'Email address' }).fill('new.worker@childrens.northmoor.example');
    await page.getByRole('button', { name: 'Create invite link' }).click();
    const link = await page.locator('.notice.success code').innerText();
    await a.check('users, invite created');

    const invited = await freshPage();
    await invited.page.goto(link);
    await h1(invited.page, 'Accept your invite to Haven');
    a.failures.push(...(await checkScreen(invited.page, 'accept invite')));
    await submitEmpty(invited.page, 'Create account');
    a.failures.push(...(await checkScreen(invited.page, 'accept invite, nothing entered')));

    expect(a.failures).toEqual([]);
    expect(problems).toEqual([]);
    expect(invited.problems).toEqual([]);
  });

  it('a system admin: agencies, audit log and reports, alerts, escalations, retention, subject access', { timeout: 90_000 }, async () => {
    const { page, problems } = await signedIn('Sam');
    const a = new Findings(page);

    await visit(page, '#/admin/users', 'Users');
    await page.locator('article').first().waitFor();
    await a.check('users, all agencies');
    await visit(page, '#/admin/agencies', 'Agencies');
    await page.locator('article').first().waitFor();
    await a.check('agencies');
    await submitEmpty(page, 'Register agency');
    await a.check('agencies, nothing entered');

    await visit(page, '#/admin/audit', 'Audit log');
    await page.getByRole('table').first().waitFor();
    await a.check('audit log');
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await page.getByText('The audit chain is intact.').waitFor({ timeout: 15_000 });
    await page.getByLabel('Child’s name').fill('Lily Hartwell');
    await page.getByRole('button', { name: 'Search for the child' }).click();
    await page.getByRole('button', { name: /^Choose Lily Hartwell/ }).click();
    await page.getByRole('button', { name: 'Show report about Lily Hartwell' }).click();
    await page.getByRole('region', { name: 'Who has accessed Lily Hartwell' }).waitFor({ timeout: 15_000 });
    await a.check('audit log, chain checked, report about a child');

    await visit(page, '#/admin/alerts', 'Alerts');
    await page.getByText('There are no alerts.').waitFor();
    await a.check('alerts');
    // An account locked after many failed sign-ins (as the sign-in service records it).
    const db = await rawClient(haven.database.url);
    await db.query(
      `insert into admin_alerts (agency_id, kind, actor_id, created_at) select agency_id, 'account_locked', id, now() from users where email = $1`,
      [haven.account('Morgan').email],
    );
    await db.end();
    await page.reload();
    await h1(page, 'Alerts');
    await page.getByRole('cell', { name: 'Account locked after many failed sign-ins' }).waitFor();
    await a.check('alerts, an account locked');
    await visit(page, '#/admin/escalations', 'Escalations');
    await page.getByText('There are no escalated written records.').waitFor();
    await a.check('escalations');

    await visit(page, '#/admin/retention', 'Retention');
    await page.getByRole('button', { name: 'Run a dry run' }).click();
    await page.getByRole('heading', { name: 'Dry run finished' }).waitFor({ timeout: 15_000 });
    await a.check('retention, after a dry run');
    await page.getByRole('button', { name: 'Destroy records now' }).click();
    await a.check('retention, asked to confirm');
    await page.getByRole('button', { name: 'Cancel' }).click();

    await visit(page, '#/admin/subject-access', 'Subject access');
    await a.check('subject access');
    await submitEmpty(page, 'Record request');
    await a.check('subject access, nothing entered');
    await page.getByLabel('Record identifier').fill(children.lily);
    await page.getByLabel('Date the request was received').fill(new Date().toISOString().slice(0, 10));
    await page.getByRole('group', { name: 'Who made the request' }).getByLabel('A parent').check();
    await page.getByRole('button', { name: 'Record request' }).click();
    await page.getByRole('region', { name: 'Success' }).waitFor({ timeout: 15_000 });
    await a.check('subject access, a request recorded');

    expect(a.failures).toEqual([]);
    expect(problems).toEqual([]);
  });
});
