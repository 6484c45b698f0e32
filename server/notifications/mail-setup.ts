import path from 'node:path';
import type { Config } from '../config';

/** Where e-mail goes, for the admin screen and the logs: an SMTP server (named by host only) or a folder. */
export type MailSetup = { configured: true; via: 'smtp'; host: string } | { configured: false; via: 'folder'; folder: string };

export function mailFolder(config: Pick<Config, 'HAVEN_DATA_DIR'>): string {
  return path.resolve(config.HAVEN_DATA_DIR, 'mail');
}

export function mailSetup(config: Pick<Config, 'HAVEN_SMTP_URL' | 'HAVEN_DATA_DIR'>): MailSetup {
  if (!config.HAVEN_SMTP_URL) return { configured: false, via: 'folder', folder: mailFolder(config) };
  return { configured: true, via: 'smtp', host: new URL(config.HAVEN_SMTP_URL).hostname };
}

/** The From address and the domain Message-IDs are made in. */
export function mailSender(config: Pick<Config, 'HAVEN_MAIL_FROM'>): { from: string; domain: string } {
  const from = config.HAVEN_MAIL_FROM ?? 'Haven <haven@localhost>';
  const domain = /@([A-Za-z0-9.-]+)>?$/.exec(from)?.[1] ?? 'localhost';
  return { from, domain };
}
