import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ready, toHex } from '../../crypto';
import { createInstallationKeys, KeyFileError, keyFilePath, loadInstallationKeys } from '../../server/installation-keys';

const folders: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'haven-keys-unit-'));
  folders.push(dir);
  return dir;
}
const fromFile = (dir: string) => ({ HAVEN_DATA_DIR: dir, HAVEN_INSTALLATION_SEED: undefined });

beforeAll(ready);
afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the installation key store', () => {
  it('has no key until one is made; the file made is its owner’s alone, and loads back as the same keys', () => {
    const dir = dataDir();
    expect(loadInstallationKeys(fromFile(dir))).toBeNull();
    const made = createInstallationKeys(fromFile(dir), new Date('2026-12-04T09:00:00Z'));
    expect(made.source).toBe(keyFilePath(dir));
    expect(statSync(keyFilePath(dir)).mode & 0o777).toBe(0o600);
    const loaded = loadInstallationKeys(fromFile(dir));
    expect(loaded && toHex(loaded.key('audit-chain'))).toBe(toHex(made.key('audit-chain')));
    expect(toHex(made.key('audit-chain'))).not.toBe(toHex(made.key('audit-anchor-signing')));
  });

  it('never replaces a key file, whatever is in it', () => {
    const dir = dataDir();
    createInstallationKeys(fromFile(dir), new Date());
    const before = readFileSync(keyFilePath(dir), 'utf8');
    expect(() => createInstallationKeys(fromFile(dir), new Date())).toThrow(/already exists/);
    expect(readFileSync(keyFilePath(dir), 'utf8')).toBe(before);
  });

  it('refuses a key file other users can read, and a file that is not a key file', () => {
    const dir = dataDir();
    createInstallationKeys(fromFile(dir), new Date());
    chmodSync(keyFilePath(dir), 0o644);
    expect(() => loadInstallationKeys(fromFile(dir))).toThrow(/can be read by other users: run `chmod 600/);
    writeFileSync(keyFilePath(dir), '{"seed":"short"}', { mode: 0o600 });
    chmodSync(keyFilePath(dir), 0o600);
    expect(() => loadInstallationKeys(fromFile(dir))).toThrow(KeyFileError);
  });

  it('takes HAVEN_INSTALLATION_SEED over any file, and makes no file when it is set', () => {
    const dir = dataDir();
    const fileKeys = createInstallationKeys(fromFile(dir), new Date());
    const seed = randomBytes(32).toString('base64url');
    const envKeys = loadInstallationKeys({ HAVEN_DATA_DIR: dir, HAVEN_INSTALLATION_SEED: seed });
    expect(envKeys?.source).toBe('HAVEN_INSTALLATION_SEED');
    expect(toHex(envKeys?.key('audit-chain') ?? new Uint8Array())).not.toBe(toHex(fileKeys.key('audit-chain')));
    const other = dataDir();
    expect(() => createInstallationKeys({ HAVEN_DATA_DIR: other, HAVEN_INSTALLATION_SEED: seed }, new Date())).toThrow(/HAVEN_INSTALLATION_SEED is set/);
    expect(loadInstallationKeys(fromFile(other))).toBeNull();
  });
});
