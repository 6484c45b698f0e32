import type { z } from 'zod';
import type { Config } from '../config';
import type { ServiceContext } from '../shared/context';
import { UsageError, type CliIo } from './io';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Placeholder shown in help, e.g. `<date>`. */
  value?: string;
  description: string;
}

/**
 * One `npm run haven -- <name>` command. Its options and positionals are checked by `input`
 * (zod) before the database is opened, so a bad command line never touches anything.
 */
export interface CommandSpec<T> {
  name: string;
  summary: string;
  description: string[];
  positionals: { name: string; description: string }[];
  options: Record<string, OptionSpec>;
  /** Parses `{ ...options, ...positionals by name }`. */
  input: z.ZodType<T>;
  examples: string[];
  run(ctx: ServiceContext, input: T, io: CliIo): Promise<number>;
}

/** A command that needs the configuration only, never the database (`keys`: made before a first start). */
export interface ConfigCommandSpec<T> extends Omit<CommandSpec<T>, 'run'> {
  runWithConfig(config: Config, input: T, io: CliIo): Promise<number>;
}

/** What a command line asks for, once checked: work on the database, or on the configuration alone. */
export type CommandWork =
  { needs: 'database'; run(ctx: ServiceContext, io: CliIo): Promise<number> } | { needs: 'configuration'; run(config: Config, io: CliIo): Promise<number> };

/** A command with its input type hidden, so commands of different inputs fit in one list. */
export interface Command {
  spec: Omit<CommandSpec<unknown>, 'input' | 'run'>;
  /** Validates the raw arguments (throws UsageError) and returns the work to run. */
  prepare(raw: Record<string, unknown>): CommandWork;
}

export function defineCommand<T>(spec: CommandSpec<T>): Command {
  return defined(spec, (input) => ({ needs: 'database', run: (ctx, io) => spec.run(ctx, input, io) }));
}

export function defineConfigCommand<T>(spec: ConfigCommandSpec<T>): Command {
  return defined(spec, (input) => ({ needs: 'configuration', run: (config, io) => spec.runWithConfig(config, input, io) }));
}

function defined<T>(spec: Omit<CommandSpec<T>, 'run'>, work: (input: T) => CommandWork): Command {
  const positional = new Set(spec.positionals.map((p) => p.name));
  const label = (key: string) => (positional.has(key) ? `<${key}>` : `--${key}`);
  return {
    spec,
    prepare(raw) {
      const parsed = spec.input.safeParse(raw);
      if (!parsed.success) {
        // One line: the first problem, named as the operator typed it.
        const issue = parsed.error.issues[0];
        const key = String(issue?.path[0] ?? '');
        if (key && raw[key] === undefined) throw new UsageError(`${spec.name}: missing ${label(key)}`);
        throw new UsageError(`${spec.name}: ${key ? `${label(key)}: ` : ''}${issue?.message ?? 'invalid arguments'}`);
      }
      return work(parsed.data);
    },
  };
}
