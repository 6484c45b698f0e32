import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { verifyTreeHead } from '../../crypto';
import type { Config } from '../config';
import { signedTreeHead } from '../integrity/integrity.schema';

export const MONITOR_STATE_FILE_NAME = 'key-log-monitor.json';

/** A state file that cannot be used: said in one line, and the file is left as it is. */
export class MonitorStateError extends Error {}

/**
 * What the monitor remembers between runs, outside the database it watches: the newest head it
 * verified (and when), which audit entries it has read fork reports up to, and which problems it
 * has already told the system admins about.
 */
const monitorState = z.strictObject({
  v: z.literal(1),
  /** The trust roots' key log key the state was verified with. */
  keyLogPublicKey: z.string().min(1),
  head: signedTreeHead.nullable(),
  verifiedAt: z.iso.datetime({ precision: 3 }).nullable(),
  reportsReadThrough: z.number().int().min(0),
  reported: z.array(z.strictObject({ id: z.string().min(1), at: z.iso.datetime({ precision: 3 }) })),
});

export type MonitorState = z.infer<typeof monitorState>;

export function monitorStatePath(config: Pick<Config, 'HAVEN_DATA_DIR'>, option: string | undefined): string {
  return path.resolve(option ?? path.join(config.HAVEN_DATA_DIR, MONITOR_STATE_FILE_NAME));
}

/**
 * The state in `file`, or null when there is none yet (a first run). A file that is not a state
 * of this log key is refused, never reset: resetting it would forget the head a rewrite is caught against.
 */
export function readMonitorState(file: string, keyLogPublicKey: string, logPublicKey: Uint8Array): MonitorState | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new MonitorStateError(`cannot read the state file ${file}: ${(error as Error).message}`);
  }
  const damaged = (why: string) =>
    new MonitorStateError(
      `${file} is not a key log monitor state file (${why}); restore it from a backup, or move it aside to start again from the log as it is now`,
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw damaged('not JSON');
  }
  const parsed = monitorState.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw damaged(`${issue?.path.join('.') || 'the file'}: ${issue?.message ?? 'invalid'}`);
  }
  const state = parsed.data;
  if (state.keyLogPublicKey !== keyLogPublicKey) {
    throw new MonitorStateError(
      `${file} was written for key log key ${state.keyLogPublicKey}, but the trust roots name ${keyLogPublicKey}; use a state file of this installation`,
    );
  }
  if (state.head && !verifyTreeHead(state.head, logPublicKey)) throw damaged("its head is not signed by the trust roots' key log key");
  if ((state.head === null) !== (state.verifiedAt === null)) throw damaged('head and verifiedAt go together');
  return state;
}

/** Replaces the state in one step (a temporary file renamed over it), readable by its owner only. */
export function writeMonitorState(file: string, state: MonitorState): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    // A leftover temporary file from a crash keeps its old mode under open(); set it.
    fchmodSync(fd, 0o600);
    writeSync(fd, `${JSON.stringify(monitorState.parse(state), null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
