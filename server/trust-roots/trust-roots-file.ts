import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { parseTrustRoots, type TrustRoots } from '../../crypto';
import type { Config } from '../config';

/** The public trust roots' file name in the data folder, and in the web build (dist/trust-roots.json). */
export const TRUST_ROOTS_FILE_NAME = 'trust-roots.json';

export class TrustRootsError extends Error {}

export type TrustRootsConfig = Pick<Config, 'HAVEN_TRUST_ROOTS_FILE' | 'HAVEN_DATA_DIR'>;

export function trustRootsPath(config: TrustRootsConfig): string {
  return config.HAVEN_TRUST_ROOTS_FILE ?? path.join(config.HAVEN_DATA_DIR, TRUST_ROOTS_FILE_NAME);
}

/** The trust roots in `file`, or null when there is no file; a file that is not trust roots is a TrustRootsError naming what is wrong. */
export function readTrustRootsFile(file: string): TrustRoots | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new TrustRootsError(`cannot read the trust roots file ${file}: ${(error as Error).message}`);
  }
  try {
    return parseTrustRoots(JSON.parse(text));
  } catch (error) {
    const why = error instanceof SyntaxError ? 'not JSON' : error instanceof Error ? error.message : String(error);
    throw new TrustRootsError(`${file} is not a Haven trust roots file (${why})`);
  }
}

/** Writes the trust roots (public: readable by all); an existing file is never replaced. */
export function writeTrustRootsFile(file: string, roots: TrustRoots): void {
  mkdirSync(path.dirname(file), { recursive: true });
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new TrustRootsError(`${file} already exists: it is not replaced`);
    throw error;
  }
  try {
    const { v, keyLogPublicKey, orgRootPublicKey } = roots;
    writeSync(fd, `${JSON.stringify({ v, keyLogPublicKey, orgRootPublicKey }, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function sameTrustRoots(a: TrustRoots, b: TrustRoots): boolean {
  return a.v === b.v && a.keyLogPublicKey === b.keyLogPublicKey && a.orgRootPublicKey === b.orgRootPublicKey;
}
