import type { TestHaven } from './haven';
import { rawClient } from './database';

export interface OutboxRowSeen {
  id: string;
  kind: string;
  status: string;
  attempts: number;
  last_error: string | null;
  message_id: string | null;
  email: string | null;
}

/** The mail outbox as an operator would query it, each notice with its recipient's address. */
export async function outboxRows(haven: TestHaven, where = 'true', params: unknown[] = []): Promise<OutboxRowSeen[]> {
  const client = await rawClient(haven.database.url);
  try {
    return (
      await client.query<OutboxRowSeen>(
        `select o.id, o.kind, o.status, o.attempts, o.last_error, o.message_id, coalesce(u.email, o.address) as email
           from mail_outbox o left join users u on u.id = o.user_id where ${where} order by o.created_at, o.id`,
        params,
      )
    ).rows;
  } finally {
    await client.end();
  }
}

/** SMTP settings for a test installation whose mail goes to `smtpUrl`, with intervals short enough for tests. */
export function mailEnv(smtpUrl: string, over: Record<string, string> = {}): Record<string, string> {
  return {
    PUBLIC_URL: 'https://haven.northmoor.example',
    HAVEN_SMTP_URL: smtpUrl,
    HAVEN_SMTP_STARTTLS: 'off',
    HAVEN_MAIL_FROM: 'Haven <haven@haven.northmoor.example>',
    HAVEN_MAIL_SWEEP_SECONDS: '1',
    HAVEN_MAIL_RETRY_SECONDS: '0.2',
    HAVEN_MAIL_SEND_TIMEOUT_SECONDS: '5',
    HAVEN_OBLIGATION_SWEEP_SECONDS: '1',
    ...over,
  };
}
