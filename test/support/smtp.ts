import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One e-mail as the SMTP server received it, with its body decoded for reading and scanning. */
export interface ReceivedMail {
  to: string[];
  messageId: string;
  subject: string;
  /** Headers and body as sent, and the body decoded (quoted-printable or base64). */
  raw: string;
  text: string;
  at: number;
}

function headerOf(head: string, name: string): string {
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const line = unfolded.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line ? line.slice(name.length + 1).trim() : '';
}

function decodeBody(head: string, body: string): string {
  const encoding = headerOf(head, 'Content-Transfer-Encoding').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/**
 * A real SMTP server (the `smtp-server` package) on a local port, for tests: it keeps every
 * e-mail it accepts, refuses recipients it is told to (550, a bounce), and can be stopped and
 * started again on the same port (an outage).
 */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  /** Every RCPT TO it was asked, refused or not. */
  readonly recipientsAsked: string[] = [];
  private readonly refused = new Set<string>();
  private server: SMTPServer | null = null;
  port = 0;

  static async start(): Promise<TestSmtpServer> {
    const smtp = new TestSmtpServer();
    await smtp.start();
    return smtp;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Answers 550 to this recipient from now on. */
  refuse(address: string): void {
    this.refused.add(address.toLowerCase());
  }

  accept(address: string): void {
    this.refused.delete(address.toLowerCase());
  }

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        this.recipientsAsked.push(address.address.toLowerCase());
        if (this.refused.has(address.address.toLowerCase())) {
          callback(Object.assign(new Error('5.1.1 Mailbox unavailable'), { responseCode: 550 }));
          return;
        }
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const split = raw.search(/\r?\n\r?\n/);
          const head = split < 0 ? raw : raw.slice(0, split);
          const body = split < 0 ? '' : raw.slice(split).trimStart();
          this.received.push({
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            messageId: headerOf(head, 'Message-ID'),
            subject: headerOf(head, 'Subject'),
            raw,
            text: decodeBody(head, body),
            at: Date.now(),
          });
          callback();
        });
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening (an outage); `start()` listens again on the same port. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  to(address: string): ReceivedMail[] {
    return this.received.filter((m) => m.to.includes(address.toLowerCase()));
  }

  /** How many received e-mails carry each Message-ID. */
  messageIdCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const m of this.received) counts.set(m.messageId, (counts.get(m.messageId) ?? 0) + 1);
    return counts;
  }
}
