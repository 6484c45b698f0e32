import { availableParallelism } from 'node:os';
import { z } from 'zod';

const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const positiveInt = z.coerce.number().int().positive();

/** Every setting Haven reads from the environment, with its default and what is expected. */
const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z.url({ message: 'expected an absolute URL such as https://haven.example.org' }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// connection string')
    .optional(),
  HAVEN_DATA_DIR: z.string().min(1).default('./data'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// URL')
    .optional(),
  /** Run the background workers inside the server process (single-machine installs); needs REDIS_URL. */
  HAVEN_RUN_WORKERS: booleanFlag.default(false),
  HAVEN_SEED_DEMO: booleanFlag.default(false),
  HAVEN_SESSION_HOURS: positiveInt.max(24 * 30).default(12),
  /** How long an e-mailed password-reset link works (once). */
  HAVEN_PASSWORD_RESET_MINUTES: positiveInt.max(24 * 60).default(30),
  /** How long a second-factor recovery waits for its confirmation, and then how long its link works (once). */
  HAVEN_MFA_RECOVERY_HOURS: positiveInt.max(7 * 24).default(24),
  HAVEN_INVITE_DAYS: positiveInt.max(60).default(7),
  HAVEN_VETTING_RENEWAL_MONTHS: positiveInt.max(120).default(36),
  HAVEN_TRAINING_RENEWAL_MONTHS: positiveInt.max(120).default(24),
  /** Wrong passwords or codes for one e-mail address from one client address before each further attempt from there waits. */
  HAVEN_SIGNIN_FREE_FAILURES: positiveInt.max(1_000).default(5),
  /** That wait starts at 2 seconds and doubles with each further failure, up to this. */
  HAVEN_SIGNIN_MAX_DELAY_SECONDS: positiveInt.max(24 * 3600).default(900),
  /** Failed sign-ins for one e-mail address from all client addresses, within the window, that lock it everywhere (and alert its agency admin). */
  HAVEN_LOCKOUT_THRESHOLD: positiveInt.max(100_000).default(50),
  HAVEN_LOCKOUT_WINDOW_MINUTES: positiveInt.max(7 * 24 * 60).default(60),
  HAVEN_LOCKOUT_MINUTES: positiveInt.max(24 * 60).default(15),
  /** Sign-in attempts (for any e-mail address) from one client address per minute. */
  HAVEN_SIGNIN_PER_ADDRESS_PER_MINUTE: positiveInt.max(100_000).default(20),
  /** Registrations and invitation acceptances (each hashes a new password) from one client address per hour. */
  HAVEN_REGISTER_PER_ADDRESS_PER_HOUR: positiveInt.max(100_000).default(20),
  /** Worker threads hashing passwords (Argon2id); the default leaves one core to the event loop. */
  HAVEN_PASSWORD_WORKERS: positiveInt.max(64).default(() => Math.max(1, availableParallelism() - 1)),
  /** Password hashes that may wait for a worker; beyond that a sign-in or registration is answered 503 with Retry-After. */
  HAVEN_PASSWORD_QUEUE: z.coerce.number().int().min(0).max(10_000).default(16),
  /** How many reverse proxies sit in front of Haven (for the client address used by sign-in throttling). */
  HAVEN_TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  /**
   * Seed (32 bytes, base64url) of the key log's signing key; when unset the key is derived from the
   * installation key. Never in the database: its public key is one of the trust roots.
   */
  HAVEN_KEY_LOG_SEED: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'expected 32 bytes in base64url (43 characters)')
    .optional(),
  /** Working days allowed to file the written record after an emergency verbal share (protocol timescale). */
  HAVEN_WRITTEN_RECORD_WORKING_DAYS: z.coerce.number().int().min(0).max(30).default(3),
  /** Dates (YYYY-MM-DD, comma-separated) that are not working days besides weekends: bank holidays, closures. */
  HAVEN_NON_WORKING_DAYS: z
    .string()
    .regex(/^(\d{4}-\d{2}-\d{2}(,\d{4}-\d{2}-\d{2})*)?$/, 'expected dates like 2026-12-25,2026-12-28')
    .default(''),
  /** Hours before the deadline when the officer is reminded. */
  HAVEN_OBLIGATION_REMINDER_HOURS: positiveInt.max(24 * 30).default(24),
  /** Hours between repeated escalations while an obligation stays overdue. */
  HAVEN_OBLIGATION_ESCALATION_HOURS: positiveInt.max(24 * 30).default(24),
  /** How often the deadline worker looks for reminders and escalations that are due. */
  HAVEN_OBLIGATION_SWEEP_SECONDS: positiveInt.max(3600).default(60),
  /** How often workers check that every job schedule is still in Redis (and declare again any that is missing). */
  HAVEN_SCHEDULE_CHECK_SECONDS: positiveInt.max(3600).default(60),
  /** Redis key prefix of Haven's job queues (lets several installs or test runs share one Redis). */
  HAVEN_QUEUE_PREFIX: z
    .string()
    .regex(/^[a-z0-9_-]{1,40}$/, 'expected lower-case letters, digits, - or _')
    .default('haven'),
  /** Age at which a child's index entry, and with it every share about the child, is destroyed. */
  HAVEN_RETENTION_INDEX_AGE_YEARS: z.coerce.number().int().min(1).max(100).default(19),
  /** Age at which a special file (offending-risk written records) is destroyed; the later of the two ages applies to a child with one. */
  HAVEN_RETENTION_SPECIAL_FILE_AGE_YEARS: z.coerce.number().int().min(1).max(100).default(19),
  /** Children destroyed per transaction by a retention run (two batches run at once). Larger is faster; each batch's rows stay locked until it commits. */
  HAVEN_RETENTION_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(2_000),
  /**
   * Seed (32 bytes, base64url) of the installation key, which keys the audit chain and signs its
   * anchors; when unset it is kept in HAVEN_DATA_DIR/installation-keys.json, made on first start.
   * Never in the database (docs/audit-chain.md).
   */
  HAVEN_INSTALLATION_SEED: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'expected 32 bytes in base64url (43 characters, e.g. `openssl rand 32 | basenc --base64url | tr -d =`)')
    .optional(),
  /** The public trust roots file (`npm run haven -- trust init` writes it; the web build embeds it); default HAVEN_DATA_DIR/trust-roots.json. */
  HAVEN_TRUST_ROOTS_FILE: z.string().min(1).optional(),
  /** File every signed audit anchor is also appended to; default HAVEN_DATA_DIR/audit-anchors.jsonl. Ship it off the machine (docs/audit-chain.md). */
  HAVEN_AUDIT_ANCHOR_FILE: z.string().min(1).optional(),
  /** How often each server process anchors the audit chain's head (it also does at start and at shutdown). */
  HAVEN_AUDIT_ANCHOR_SECONDS: positiveInt.max(86_400).default(300),
  /** Messages one user may send per minute, and one address (all users behind it) may send per minute. */
  HAVEN_SENDS_PER_USER_PER_MINUTE: positiveInt.max(100_000).default(120),
  HAVEN_SENDS_PER_ADDRESS_PER_MINUTE: positiveInt.max(1_000_000).default(1_200),
  /** Bearer token a Prometheus scraper sends to read /metrics; when unset, /metrics does not exist (404). */
  HAVEN_METRICS_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{24,256}$/, 'expected 24 to 256 printable characters without spaces (e.g. `openssl rand -base64 32`)')
    .optional(),
  /**
   * SMTP server for e-mail notices: `smtp://user:password@host:587` (STARTTLS, see below) or
   * `smtps://user:password@host:465` (TLS from the start). Unset: nothing is sent; each e-mail is
   * written to HAVEN_DATA_DIR/mail instead and the admin screens say e-mail is not set up.
   */
  HAVEN_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s/]+(:\d+)?\/?$/, 'expected smtp://user:password@host:587 or smtps://user:password@host:465')
    .optional(),
  /** On smtp://: `required` (refuse to send without STARTTLS), `opportunistic` (use it when offered) or `off`. */
  HAVEN_SMTP_STARTTLS: z.enum(['required', 'opportunistic', 'off'], { message: 'expected required, opportunistic or off' }).default('required'),
  /** A PEM file with the certificate authority of the SMTP server's certificate, when it is not a public one. */
  HAVEN_SMTP_CA_FILE: z.string().min(1).optional(),
  /** The From of every e-mail: `Haven <haven@example.org>` or `haven@example.org`. Its domain names the Message-IDs. */
  HAVEN_MAIL_FROM: z
    .string()
    .regex(/^([^<>\r\n"]{1,100} <[^\s<>@]+@[A-Za-z0-9.-]+>|[^\s<>@]+@[A-Za-z0-9.-]+)$/, 'expected Haven <haven@example.org> or haven@example.org')
    .optional(),
  /** New-message e-mails to one person are gathered: at most one per this many minutes, and only for what is still unread then. */
  HAVEN_MAIL_DIGEST_MINUTES: z.coerce
    .number()
    .positive()
    .max(24 * 60)
    .default(15),
  /** How often the mail sweep enqueues notices whose wake-up was lost and gives up on sends that died half-way. */
  HAVEN_MAIL_SWEEP_SECONDS: positiveInt.max(3600).default(30),
  /** Attempts at one e-mail while the SMTP server is down or answers 4xx; then it is marked failed (see `npm run haven -- mail`). */
  HAVEN_MAIL_MAX_ATTEMPTS: positiveInt.max(100).default(10),
  /** Wait before the first retry; each further one waits twice as long, up to 64 times this. */
  HAVEN_MAIL_RETRY_SECONDS: z.coerce.number().positive().max(3600).default(60),
  /** Longest one SMTP conversation may take (connect, greeting, each reply). */
  HAVEN_MAIL_SEND_TIMEOUT_SECONDS: positiveInt.max(600).default(60),
  /** Largest file one attachment may be (before encryption), in MiB. */
  HAVEN_MAX_ATTACHMENT_MB: positiveInt.max(4096).default(100),
  /** Encrypted bytes one user may hold in attachments not yet deleted, in MiB. */
  HAVEN_ATTACHMENT_QUOTA_MB: positiveInt.max(1_048_576).default(2048),
  /** Keep attachments' encrypted chunks as files in this folder instead of in PostgreSQL (large installations; back it up with the database). */
  HAVEN_BLOB_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

/**
 * Reads the configuration, or throws a ConfigError whose message is one line per bad
 * variable: its name and what is expected.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set": `FOO= npm start` should not fail as a bad value.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema
    .refine((c) => !c.HAVEN_RUN_WORKERS || c.REDIS_URL, {
      path: ['REDIS_URL'],
      message: 'HAVEN_RUN_WORKERS=true needs REDIS_URL (e.g. redis://127.0.0.1:6379)',
    })
    .refine((c) => !c.HAVEN_SMTP_URL || c.HAVEN_MAIL_FROM, {
      path: ['HAVEN_MAIL_FROM'],
      message: 'HAVEN_SMTP_URL needs HAVEN_MAIL_FROM, the address e-mail comes from (e.g. "Haven <haven@example.org>")',
    })
    .safeParse(present);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(`invalid configuration — ${lines.join('; ')}`);
}

/** Whether cookies must carry `Secure`: when Haven is served over https. */
/** The protocol's working calendar from configuration. */
export function workingCalendar(config: Config): { nonWorkingDays: ReadonlySet<string> } {
  return { nonWorkingDays: new Set(config.HAVEN_NON_WORKING_DAYS.split(',').filter(Boolean)) };
}

export function servesHttps(config: Config): boolean {
  return config.PUBLIC_URL?.startsWith('https://') ?? false;
}
