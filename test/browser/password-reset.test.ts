import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailTransport } from '../../server/notifications/mail-transport';
import { sendNotice } from '../../server/notifications/send.service';
import { startTestHaven, type TestHaven } from '../support/haven';
import { mailEnv, outboxRows } from '../support/mail-outbox';
import { TestSmtpServer } from '../support/smtp';
import { totpCode } from '../support/totp';
import { checkScreen } from './axe';
import { launchBrowser, watchForProblems } from './browser';

// A practitioner who forgot their password asks for a link on the sign-in page, follows the
// link from the e-mail (delivered to a real SMTP server), and chooses a new password with the
// code from their authenticator app; then signs in with it.
let haven: TestHaven;
let smtp: TestSmtpServer;
let browser: Browser;

beforeAll(async () => {
  smtp = await TestSmtpServer.start();
  haven = await startTestHaven({ seedDemo: true, env: mailEnv(smtp.url) });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await haven?.close();
  await smtp?.stop();
});

describe('password reset in Chromium', () => {
  it('asks for a link, uses it with the authenticator code, and signs in with the new password', { timeout: 90_000 }, async () => {
    const morgan = haven.account('Morgan');
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watchForProblems(page);
    const a11y: string[] = [];

    await page.goto(haven.url);
    await page.getByRole('link', { name: 'Forgotten your password?' }).click();
    await page.getByRole('heading', { level: 1, name: 'Reset your password' }).waitFor();
    await page.getByLabel('Email address').fill(morgan.email);
    await page.getByRole('button', { name: 'Send me a link' }).click();
    await page.getByText('If a Haven account uses that address, we have e-mailed it a link').waitFor({ timeout: 15_000 });
    a11y.push(...(await checkScreen(page, 'password reset asked for')));

    const transport = createMailTransport(haven.ctx.config);
    for (const row of await outboxRows(haven, `o.kind = 'password_reset'`)) await sendNotice(haven.ctx, transport, row.id);
    const link = /https:\/\/haven\.northmoor\.example(\/#\/reset-password\/\S+)/.exec(smtp.to(morgan.email).at(-1)?.text ?? '')?.[1];
    expect(link).toBeDefined();

    await page.goto(`${haven.url}${link}`);
    await page.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').getByRole('link', { name: 'Enter a password' }).waitFor();
    a11y.push(...(await checkScreen(page, 'choosing a new password, with errors')));
    await page.getByLabel('New password').fill('my brand new passphrase');
    await page.getByLabel('Security code').fill(totpCode(morgan.totpSecret ?? ''));
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Your password is changed.').waitFor({ timeout: 15_000 });

    await page.getByRole('link', { name: 'Sign in with your new password' }).click();
    await page.getByLabel('Email address').fill(morgan.email);
    await page.getByLabel('Password').fill('my brand new passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Security code').waitFor({ timeout: 15_000 });

    // The link is spent.
    await page.goto(`${haven.url}${link}`);
    await page.getByText('This link has expired or has already been used.').waitFor({ timeout: 15_000 });

    await context.close();
    expect(a11y).toEqual([]);
    expect(problems).toEqual([]);
  });
});
