import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64Url, ready, signingKeyPairFromSeed, toBase64Url } from '../../crypto';
import { keyLogPublicKey } from '../../server/keys/key-log-key';
import { checkTrustRoots, initTrustRoots, orgRootKeyPath, readOrgRootKey, trustRootsPath } from '../../server/trust-roots';
import { TEST_KEY_LOG_SEED, TEST_ORG_ROOT_SEED, testTrustRoots } from '../support/trust-roots';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'haven-trust-'));
  dirs.push(dir);
  return dir;
}
const configIn = (dir: string, extra: { HAVEN_KEY_LOG_SEED?: string; HAVEN_TRUST_ROOTS_FILE?: string } = {}) => ({
  HAVEN_DATA_DIR: dir,
  HAVEN_INSTALLATION_SEED: undefined,
  HAVEN_KEY_LOG_SEED: undefined,
  HAVEN_TRUST_ROOTS_FILE: undefined,
  ...extra,
});
const now = new Date('2026-12-04T09:00:00Z');

beforeAll(ready);
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('trust init', () => {
  it('makes the installation key, the org root key (owner-only) and the trust roots; a second run changes nothing', () => {
    const dir = tempDir();
    const first = initTrustRoots(configIn(dir), now);
    expect(first.made.map((f) => path.basename(f))).toEqual(['installation-keys.json', 'org-root.key', 'trust-roots.json']);
    expect(statSync(orgRootKeyPath(dir)).mode & 0o777).toBe(0o600);
    const root = readOrgRootKey(orgRootKeyPath(dir));
    expect(first.roots).toEqual({ v: 1, keyLogPublicKey: keyLogPublicKey(configIn(dir)), orgRootPublicKey: toBase64Url(root?.publicKey ?? new Uint8Array()) });
    const files = ['installation-keys.json', 'org-root.key', 'trust-roots.json'].map((f) => readFileSync(path.join(dir, f), 'utf8'));

    const second = initTrustRoots(configIn(dir), now);
    expect(second).toEqual({ file: first.file, roots: first.roots, made: [] });
    expect(['installation-keys.json', 'org-root.key', 'trust-roots.json'].map((f) => readFileSync(path.join(dir, f), 'utf8'))).toEqual(files);
  });

  it('never makes a second org root once the trust roots exist (the first may be offline)', () => {
    const dir = tempDir();
    const first = initTrustRoots(configIn(dir), now);
    rmSync(orgRootKeyPath(dir));
    expect(initTrustRoots(configIn(dir), now)).toMatchObject({ roots: first.roots, made: [] });
    expect(readOrgRootKey(orgRootKeyPath(dir))).toBeNull();
  });

  it('refuses, replacing nothing, when the configured log key or the org root file is not the one in the trust roots', () => {
    const dir = tempDir();
    initTrustRoots(configIn(dir), now);
    const before = readFileSync(trustRootsPath(configIn(dir)), 'utf8');
    expect(() => initTrustRoots(configIn(dir, { HAVEN_KEY_LOG_SEED: TEST_KEY_LOG_SEED }), now)).toThrow(
      /names key log key \S+, but HAVEN_KEY_LOG_SEED gives \S+: configure the key this installation was set up with .*not replaced/,
    );
    rmSync(orgRootKeyPath(dir));
    writeFileSync(orgRootKeyPath(dir), JSON.stringify({ format: 'haven/org-root-key/v1', seed: TEST_ORG_ROOT_SEED, createdAt: 'x' }), { mode: 0o600 });
    expect(() => initTrustRoots(configIn(dir), now)).toThrow(/holds another key: neither file is replaced/);
    expect(readFileSync(trustRootsPath(configIn(dir)), 'utf8')).toBe(before);
  });

  it('says what is wrong with a trust roots file or an org root key file', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'trust-roots.json'), '{ not json');
    expect(() => initTrustRoots(configIn(dir), now)).toThrow(/trust-roots\.json is not a Haven trust roots file \(not JSON\)/);
    writeFileSync(path.join(dir, 'trust-roots.json'), JSON.stringify({ v: 1, keyLogPublicKey: 'abc', orgRootPublicKey: 'abc' }));
    expect(() => initTrustRoots(configIn(dir), now)).toThrow(/is not a Haven trust roots file \(keyLogPublicKey is not a valid Ed25519 public key\)/);

    const other = tempDir();
    initTrustRoots(configIn(other), now);
    chmodSync(orgRootKeyPath(other), 0o644);
    expect(() => readOrgRootKey(orgRootKeyPath(other))).toThrow(/organisation root key file .* can be read by other users: run `chmod 600/);
  });
});

describe('the start check', () => {
  function builtWith(roots: unknown): string {
    const dist = tempDir();
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html>');
    if (roots) writeFileSync(path.join(dist, 'trust-roots.json'), JSON.stringify(roots));
    return dist;
  }
  const testConfig = (dir: string) =>
    configIn(dir, { HAVEN_KEY_LOG_SEED: TEST_KEY_LOG_SEED, HAVEN_TRUST_ROOTS_FILE: path.resolve('test/fixtures/trust-roots.json') });

  it('passes when the server, its trust roots file and the web build agree', () => {
    expect(checkTrustRoots(testConfig(tempDir()), builtWith(testTrustRoots()))).toEqual(testTrustRoots());
    expect(checkTrustRoots(testConfig(tempDir()), tempDir())).toEqual(testTrustRoots());
  });

  it('refuses a web build made with other trust roots, or none, in one line saying to rebuild', () => {
    const other = { ...testTrustRoots(), orgRootPublicKey: toBase64Url(signingKeyPairFromSeed(new Uint8Array(32)).publicKey) };
    expect(() => checkTrustRoots(testConfig(tempDir()), builtWith(other))).toThrow(
      /was built with other trust roots than .*: rebuild the web client: npm run build:web$/,
    );
    expect(() => checkTrustRoots(testConfig(tempDir()), builtWith(null))).toThrow(/was built without trust roots: rebuild the web client: npm run build:web$/);
    const dir = tempDir();
    expect(() => checkTrustRoots(configIn(dir, { HAVEN_KEY_LOG_SEED: TEST_KEY_LOG_SEED }), builtWith(testTrustRoots()))).toThrow(
      /there is no trust roots file \(.*\): run `npm run haven -- trust init`, then rebuild the web client/,
    );
  });

  it('refuses a server whose key log key is not the trust roots’ (another seed, or a lost installation key)', () => {
    const dir = tempDir();
    initTrustRoots(configIn(dir), now);
    expect(() => checkTrustRoots(configIn(dir, { HAVEN_KEY_LOG_SEED: TEST_KEY_LOG_SEED }), tempDir())).toThrow(
      /names key log key \S+, but this server signs with \S+ \(from HAVEN_KEY_LOG_SEED\)/,
    );
    rmSync(path.join(dir, 'installation-keys.json'));
    expect(() => checkTrustRoots(configIn(dir), tempDir())).toThrow(/no key log signing key: set HAVEN_KEY_LOG_SEED, or restore the installation key/);
  });
});

describe('the test trust roots', () => {
  it('are the public keys of the test seeds (test/fixtures/README.md)', () => {
    expect(testTrustRoots()).toEqual({
      v: 1,
      keyLogPublicKey: toBase64Url(signingKeyPairFromSeed(fromBase64Url(TEST_KEY_LOG_SEED)).publicKey),
      orgRootPublicKey: toBase64Url(signingKeyPairFromSeed(fromBase64Url(TEST_ORG_ROOT_SEED)).publicKey),
    });
  });
});
