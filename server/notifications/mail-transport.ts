import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { Config } from '../config';
import { mailFolder, mailSender } from './mail-setup';

/** One e-mail, rendered: everything the transport needs, nothing else. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** `<id@domain>`, the same at every attempt of one notice. */
  messageId: string;
  date: Date;
}

export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

// Automatic e-mail, so that vacation responders and mailing lists leave it alone (RFC 3834).
const headers = { 'Auto-Submitted': 'auto-generated' };

function smtpOptions(config: Config, url: URL): SMTPTransport.Options {
  const timeout = config.HAVEN_MAIL_SEND_TIMEOUT_SECONDS * 1000;
  const secure = url.protocol === 'smtps:';
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    ...(url.username && { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }),
    requireTLS: !secure && config.HAVEN_SMTP_STARTTLS === 'required',
    ignoreTLS: !secure && config.HAVEN_SMTP_STARTTLS === 'off',
    tls: { minVersion: 'TLSv1.2', ...(config.HAVEN_SMTP_CA_FILE && { ca: readFileSync(config.HAVEN_SMTP_CA_FILE) }) },
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    // One connection per e-mail: a failure belongs to that e-mail alone, and nothing is held open between sends.
    pool: false,
  };
}

function smtpTransport(config: Config, smtpUrl: string): MailTransport {
  const { from } = mailSender(config);
  const transporter = nodemailer.createTransport(smtpOptions(config, new URL(smtpUrl)));
  return {
    send: async (mail) => {
      await transporter.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, messageId: mail.messageId, date: mail.date, headers });
    },
    close: () => transporter.close(),
  };
}

/**
 * Without SMTP, each e-mail is written to HAVEN_DATA_DIR/mail as a .eml file named after its
 * notice, created exclusively: a second attempt at the same notice finds its file and writes nothing.
 */
function folderTransport(config: Config): MailTransport {
  const { from } = mailSender(config);
  const folder = mailFolder(config);
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    send: async (mail) => {
      const info = await transporter.sendMail({
        from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        messageId: mail.messageId,
        date: mail.date,
        headers,
      });
      // `buffer: true` gives the whole message as a Buffer.
      if (!Buffer.isBuffer(info.message)) throw new Error('the message was not built');
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      const name = `${mail.messageId.replace(/[<>]/g, '').replace(/[^A-Za-z0-9.@-]/g, '_')}.eml`;
      try {
        writeFileSync(path.join(folder, name), info.message, { flag: 'wx', mode: 0o600 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    },
    close: () => transporter.close(),
  };
}

export function createMailTransport(config: Config): MailTransport {
  return config.HAVEN_SMTP_URL ? smtpTransport(config, config.HAVEN_SMTP_URL) : folderTransport(config);
}
