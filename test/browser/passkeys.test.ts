import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHaven, type TestHaven } from '../support/haven';
import { totpCode } from '../support/totp';
import { checkScreen } from './axe';
import { launchBrowser, watchForProblems } from './browser';

// Passkeys in Chromium with its own virtual authenticator (DevTools protocol WebAuthn domain: a
// platform authenticator that keeps discoverable credentials and verifies its user): a
// practitioner adds one on the account page, signs in with it instead of the code, then alone
// once their agency's admin allows it (in another browser), and removes it. Passkeys need a
// secure context with a host name, so the page is opened on localhost, not 127.0.0.1.
let haven: TestHaven;
let browser: Browser;
let url: string;

beforeAll(async () => {
  haven = await startTestHaven({ seedDemo: true });
  url = haven.url.replace('127.0.0.1', 'localhost');
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await haven?.close();
});

async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

async function passwordStep(page: Page, name: string): Promise<void> {
  const account = haven.account(name);
  await page.goto(url);
  await page.getByLabel('Email address').fill(account.email);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Enter your security code' }).waitFor({ timeout: 15_000 });
}

async function signInWithCode(page: Page, name: string): Promise<void> {
  await passwordStep(page, name);
  await page.getByLabel('Security code').fill(totpCode(haven.account(name).totpSecret ?? ''));
  await page.getByRole('button', { name: 'Continue' }).click();
  await signedIn(page);
}

async function signedIn(page: Page): Promise<void> {
  await page.getByRole('heading', { level: 1, name: /^(Home|Your Haven account)$/ }).waitFor({ timeout: 15_000 });
}

async function openAccount(page: Page): Promise<void> {
  await page.getByRole('banner').getByRole('link', { name: 'Your account' }).click();
  await page.getByRole('heading', { level: 2, name: 'Passkeys' }).waitFor();
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in to Haven' }).waitFor({ timeout: 15_000 });
}

describe('passkeys in Chromium with a virtual authenticator', () => {
  it('adds a passkey, signs in with it after the password and then alone once the agency allows it, and removes it', { timeout: 120_000 }, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watchForProblems(page);
    const a11y: string[] = [];
    const { cdp, authenticatorId } = await virtualAuthenticator(page);

    // Add: the password is asked again (a wrong one is refused before the device is asked).
    await signInWithCode(page, 'Jordan');
    await openAccount(page);
    await page.getByText('You have no passkeys.').waitFor();
    await page.getByLabel('Name for this passkey').fill('Work laptop');
    await page.getByLabel('Your password').fill('not my password');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('alert').getByText('The password is not right').first().waitFor();
    expect((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials).toEqual([]);
    await page.getByLabel('Your password').fill(haven.account('Jordan').password);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('The passkey “Work laptop” is added.').waitFor({ timeout: 15_000 });
    await page.getByRole('cell', { name: 'Work laptop', exact: true }).waitFor();
    a11y.push(...(await checkScreen(page, 'account page with a passkey')));
    const [credential] = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
    expect(credential?.isResidentCredential).toBe(true);
    expect(credential?.rpId).toBe('localhost');

    // The passkey instead of the code.
    await signOut(page);
    await passwordStep(page, 'Jordan');
    a11y.push(...(await checkScreen(page, 'security code with a passkey offered')));
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await signedIn(page);
    const used = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials[0];
    expect(used?.signCount).toBeGreaterThan(credential?.signCount ?? 0);

    // A passkey alone: refused while the council asks for passwords...
    await signOut(page);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByRole('alert').getByText('Your agency asks for your password as well').waitFor({ timeout: 15_000 });

    // ...until the council's admin, in her own browser, allows it.
    const adminContext = await browser.newContext();
    const admin = await adminContext.newPage();
    const adminProblems = watchForProblems(admin);
    await signInWithCode(admin, 'Priya');
    await openAccount(admin);
    await admin.getByRole('heading', { level: 2, name: /^Signing in at / }).waitFor();
    await admin.getByLabel(/sign in with a passkey alone/).check();
    await admin.getByRole('button', { name: 'Save sign-in setting' }).click();
    await admin.getByText('Your agency’s sign-in setting is saved.').waitFor({ timeout: 15_000 });
    a11y.push(...(await checkScreen(admin, 'agency sign-in setting saved')));
    await adminContext.close();

    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await signedIn(page);

    // Remove: the passkey is gone from the list, and no longer offered at sign-in.
    await openAccount(page);
    await page.getByRole('button', { name: 'Remove Work laptop' }).click();
    await page.getByText('The passkey “Work laptop” is removed.').waitFor({ timeout: 15_000 });
    await page.getByText('You have no passkeys.').waitFor();
    await signOut(page);
    await passwordStep(page, 'Jordan');
    expect(await page.getByRole('button', { name: 'Use a passkey' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Cancel and sign in as someone else' }).click();
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByRole('alert').getByText('That passkey was not accepted').waitFor({ timeout: 15_000 });

    await context.close();
    expect(a11y).toEqual([]);
    expect(problems).toEqual([]);
    expect(adminProblems).toEqual([]);
  });
});
