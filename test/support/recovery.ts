import { expect } from 'vitest';
import { createMailTransport } from '../../server/notifications/mail-transport';
import { sendNotice } from '../../server/notifications/send.service';
import { ApiClient } from './client';
import type { TestHaven } from './haven';
import { outboxRows } from './mail-outbox';
import type { TestSmtpServer } from './smtp';
import { totpCode } from './totp';

// Helpers for the second-factor recovery tests: people made through the real interface (invite,
// accept, enrol, verify), and the recovery link read from the e-mail a real SMTP server received.

export interface MadeUser {
  id: string;
  email: string;
  password: string;
  totpSecret: string;
  /** Fully signed in since enrolment. */
  client: ApiClient;
}

let made = 0;

/** A verified user of `agencyId` (null for a system admin), invited and verified by `admin`. */
export async function makeUser(haven: TestHaven, admin: ApiClient, role: string, agencyId: string | null, name: string): Promise<MadeUser> {
  made += 1;
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${made}.${Date.now()}@haven.northmoor.example`;
  const password = `a long enough password for ${name}`;
  // A system admin belongs to no agency: they are invited into one and verified with no agency's role rules.
  const invite = await admin.post<{ token: string }>('/api/invites', { email, agencyId: agencyId ?? (await anyAgency(admin)), role });
  expect(invite.status, JSON.stringify(invite.body)).toBe(201);
  const client = new ApiClient(haven.url);
  expect((await client.post(`/api/auth/invites/${invite.body.token}/accept`, { name, password })).status).toBe(201);
  expect((await client.post('/api/auth/sign-in', { email, password })).status).toBe(200);
  const start = await client.post<{ secret: string }>('/api/auth/enrolment/start');
  expect((await client.post('/api/auth/enrolment/confirm', { code: totpCode(start.body.secret) })).status).toBe(200);
  const id = (await client.get<{ session: { user: { id: string } } }>('/api/session')).body.session.user.id;
  const today = new Date().toISOString().slice(0, 10);
  const verified = await admin.post(`/api/users/${id}/verify`, {
    role,
    identityCheckedBy: 'Sam Okafor',
    identityCheckedOn: today,
    vettingCheckedOn: today,
    trainingCompletedOn: today,
  });
  expect(verified.status, JSON.stringify(verified.body)).toBe(200);
  return { id, email, password, totpSecret: start.body.secret, client };
}

async function anyAgency(admin: ApiClient): Promise<string> {
  const agencies = await admin.get<{ agencies: { id: string; protocolSigned: boolean }[] }>('/api/agencies');
  const signed = agencies.body.agencies.find((a) => a.protocolSigned);
  if (!signed) throw new Error('no signed agency');
  return signed.id;
}

/** Sends the queued recovery-link e-mails (the mail worker's step) and returns the token in the newest one to this address. */
export async function recoveryLinkSentTo(haven: TestHaven, smtp: TestSmtpServer, email: string): Promise<string> {
  const transport = createMailTransport(haven.ctx.config);
  for (const row of await outboxRows(haven, `o.kind = 'mfa_recovery_link' and o.status = 'queued'`)) await sendNotice(haven.ctx, transport, row.id);
  const mail = smtp
    .to(email)
    .filter((m) => m.subject === 'Set up your Haven sign-in again')
    .at(-1);
  const token = /#\/recover\/([A-Za-z0-9_-]{43})/.exec(mail?.text ?? '')?.[1];
  if (!token) throw new Error(`no recovery link e-mailed to ${email}`);
  return token;
}

/** Uses a recovery link as the person would: the password, a new authenticator, its first code. */
export async function useRecoveryLink(haven: TestHaven, token: string, password: string): Promise<{ client: ApiClient; totpSecret: string }> {
  const client = new ApiClient(haven.url);
  const enrol = await client.post<{ secret: string }>(`/api/auth/mfa-recovery/${token}/enrolment`, { password });
  expect(enrol.status, JSON.stringify(enrol.body)).toBe(200);
  const done = await client.post<{ session: { stage: string } }>(`/api/auth/mfa-recovery/${token}`, { password, code: totpCode(enrol.body.secret) });
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  expect(done.body.session.stage).toBe('active');
  return { client, totpSecret: enrol.body.secret };
}
