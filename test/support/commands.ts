import { execFile } from 'node:child_process';
import { entryArgs } from './compiled-entries';

// Haven's commands as an operator runs them: a process of their own, configured by the
// environment (an installation's `env` from startTestHaven: its database, data folder and key).

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string | undefined>): Promise<CommandResult> {
  // Variables set to undefined are removed, so nothing leaks in from the environment the tests run in.
  const merged: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: 'silent', HAVEN_AUDIT_ANCHOR_FILE: undefined, ...env };
  const clean = Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return new Promise((resolve) => {
    execFile(command, args, { env: clean, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** `npm run haven -- <args>` (server/cli/main.ts). */
export function havenCommand(env: Record<string, string | undefined>, ...args: string[]): Promise<CommandResult> {
  return run(process.execPath, entryArgs('cli', ...args), env);
}

/** `npm run audit:verify` (scripts/audit-verify.ts). */
export function auditVerifyScript(env: Record<string, string | undefined>): Promise<CommandResult> {
  return run(process.execPath, entryArgs('auditVerify'), env);
}
