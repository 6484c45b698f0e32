import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { fromBase64Url, randomSeed, toBase64Url } from '../../crypto';

/** The key file's name in the data folder. */
export const KEY_FILE_NAME = 'installation-keys.json';
export const KEY_FILE_FORMAT = 'haven/installation-keys/v1';

/** What kind of seed a file holds: its format tag and what messages call it. */
export interface SeedFileKind {
  format: string;
  label: string;
}

const INSTALLATION_KEY_FILE: SeedFileKind = { format: KEY_FILE_FORMAT, label: 'installation key file' };

const keyFileSchema = (format: string) =>
  z.object({
    format: z.literal(format),
    seed: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected 32 bytes in base64url'),
    createdAt: z.string(),
  });

export class KeyFileError extends Error {}

export function keyFilePath(dataDir: string): string {
  return path.join(dataDir, KEY_FILE_NAME);
}

/** The seed in the key file, or null when there is no file. Refuses a file others may read or that is not a key file. */
export function readKeyFile(file: string, kind: SeedFileKind = INSTALLATION_KEY_FILE): Uint8Array | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new KeyFileError(`cannot read the ${kind.label} ${file}: ${(error as Error).message}`);
  }
  // Like ssh with a private key: a key anyone on the machine could copy is not kept outside anything.
  // (Windows has no such mode bits to check.)
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    throw new KeyFileError(`the ${kind.label} ${file} can be read by other users: run \`chmod 600 ${file}\``);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  const result = keyFileSchema(kind.format).safeParse(parsed);
  if (!result.success) throw new KeyFileError(`${file} is not a Haven ${kind.label} (${kind.format})`);
  return fromBase64Url(result.data.seed, 'seed');
}

/**
 * Writes a new key file with a fresh random seed, readable by its owner only, and returns the seed.
 * Never replaces a file: written under a temporary name, flushed, then linked into place, so two
 * processes starting at once cannot both make a key, and a crash never leaves half a file.
 */
export function createKeyFile(file: string, now: Date, kind: SeedFileKind = INSTALLATION_KEY_FILE): Uint8Array {
  const seed = randomSeed();
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify({ format: kind.format, seed: toBase64Url(seed), createdAt: now.toISOString() }, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new KeyFileError(`${file} already exists: it is not replaced`);
    throw error;
  } finally {
    unlinkSync(temporary);
  }
  return seed;
}
