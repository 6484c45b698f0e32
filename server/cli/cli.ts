import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig } from '../config';
import { DomainError } from '../errors';
import type { ServiceContext } from '../shared/context';
import type { Command, CommandWork } from './command';
import { createAdmin } from './commands/create-admin';
import { keys } from './commands/keys';
import { keyLogMonitor } from './commands/key-log-monitor';
import { certifyAdmin } from './commands/certify-admin';
import { revokeAdminCertificate } from './commands/revoke-admin-certificate';
import { trust } from './commands/trust';
import { retention } from './commands/retention';
import { sarExport } from './commands/sar-export';
import { suspend } from './commands/suspend';
import { verify } from './commands/verify';
import { mail } from './commands/mail';
import { recoverAdmin } from './commands/recover-admin';
import { CliIo, EXIT, UsageError } from './io';

const COMMANDS: readonly Command[] = [
  createAdmin,
  suspend,
  verify,
  keyLogMonitor,
  retention,
  sarExport,
  keys,
  trust,
  certifyAdmin,
  revokeAdminCertificate,
  mail,
  recoverAdmin,
];
const RUN = 'npm run haven --';
const MORE_HELP = `run \`${RUN} --help\` for the commands`;

function overallHelp(): string[] {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length)) + 3;
  return [
    'Haven admin command line. Runs on the server, against the database the server uses (DATABASE_URL,',
    'or without it the embedded database in HAVEN_DATA_DIR, which only one process may open: stop the',
    'server first). What a command does is audited as done at the command line (no user, via "cli").',
    '',
    `Usage: ${RUN} <command> [options]`,
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)}${c.spec.summary}`),
    '',
    `Run \`${RUN} <command> --help\` for a command's options.`,
    'Exit status: 0 done, 1 failed or refused, 2 bad command line, 3 verification found a problem.',
  ];
}

function commandHelp(command: Command): string[] {
  const { spec } = command;
  const options = Object.entries(spec.options).map(([name, o]) => [`--${name}${o.value ? ` ${o.value}` : ''}`, o.description] as const);
  const rows = [...spec.positionals.map((p) => [`<${p.name}>`, p.description] as const), ...options, ['-h, --help', 'show this help'] as const];
  const width = Math.max(...rows.map(([left]) => left.length)) + 3;
  const usage = [spec.name, ...spec.positionals.map((p) => `<${p.name}>`), ...(options.length ? ['[options]'] : [])].join(' ');
  return [
    `Usage: ${RUN} ${usage}`,
    '',
    ...spec.description,
    '',
    'Arguments and options:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
    '',
    'Example:',
    ...spec.examples.map((e) => `  ${RUN} ${e}`),
  ];
}

/** parseArgs' own messages run to several sentences; the first says what was wrong. */
function firstSentence(message: string): string {
  return (message.split(/\.\s/)[0] ?? message).replace(/\.$/, '');
}

type Prepared = { kind: 'help'; lines: string[] } | { kind: 'run'; command: Command; work: CommandWork };

/** Reads the command line, or throws UsageError; nothing here touches the database. */
function prepare(argv: string[]): Prepared {
  const [name, ...rest] = argv;
  if (name === undefined) throw new UsageError(`no command given; ${MORE_HELP}`);
  if (name === '--help' || name === '-h' || name === 'help') {
    const about = rest[0] === undefined ? undefined : COMMANDS.find((c) => c.spec.name === rest[0]);
    if (rest[0] !== undefined && !about) throw new UsageError(`unknown command "${rest[0]}"; ${MORE_HELP}`);
    return { kind: 'help', lines: about ? commandHelp(about) : overallHelp() };
  }
  const command = COMMANDS.find((c) => c.spec.name === name);
  if (!command) throw new UsageError(name.startsWith('-') ? `unknown option "${name}"; ${MORE_HELP}` : `unknown command "${name}"; ${MORE_HELP}`);
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const [key, o] of Object.entries(command.spec.options)) options[key] = { type: o.type };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${name}: ${firstSentence(error instanceof Error ? error.message : String(error))}`);
  }
  if (parsed.values.help) return { kind: 'help', lines: commandHelp(command) };
  const { positionals } = command.spec;
  if (parsed.positionals.length > positionals.length) {
    throw new UsageError(`${name}: unexpected argument "${parsed.positionals[positionals.length]}"; run \`${RUN} ${name} --help\``);
  }
  const raw: Record<string, unknown> = { ...parsed.values };
  positionals.forEach((p, i) => (raw[p.name] = parsed.positionals[i]));
  return { kind: 'run', command, work: command.prepare(raw) };
}

/**
 * A command writes to the audit chain (it is audited) while the server may be stopped: it anchors
 * the head before it exits, as a server does at shutdown, so what it wrote is covered at once.
 */
async function anchorWhatWasWritten(ctx: ServiceContext, io: CliIo): Promise<void> {
  const { anchorAuditHead } = await import('../audit');
  try {
    await anchorAuditHead(ctx);
  } catch (error) {
    io.note(`haven: the audit chain's head was not anchored: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * `npm run haven -- <command>`: checks the command line, opens the database as the server does,
 * runs the command through the services, and returns the exit status. Failures are one line on
 * stderr, never a stack trace.
 */
export async function runCli(argv: string[], io: CliIo = new CliIo(), env: Record<string, string | undefined> = process.env): Promise<number> {
  let prepared: Prepared;
  try {
    prepared = prepare(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.note(`haven: ${error.message}`);
    return EXIT.usage;
  }
  if (prepared.kind === 'help') {
    io.out(...prepared.lines);
    return EXIT.ok;
  }
  const name = prepared.command.spec.name;
  const { work } = prepared;
  try {
    if (work.needs === 'configuration') {
      const { ready } = await import('../../crypto');
      await ready();
      return await work.run(loadConfig(env), io);
    }
    // Loaded only now: help and usage errors need neither the database drivers nor libsodium.
    const { withServiceContext } = await import('./context');
    return await withServiceContext(async (ctx) => {
      const code = await work.run(ctx, io);
      await anchorWhatWasWritten(ctx, io);
      return code;
    }, env);
  } catch (error) {
    io.endProgress();
    if (error instanceof ConfigError) io.note(`haven: ${error.message}`);
    else if (error instanceof DomainError) io.note(`haven: ${name}: ${error.message}`);
    else io.note(`haven: ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failed;
  }
}
