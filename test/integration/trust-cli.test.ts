import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { havenCommand } from '../support/commands';

// `npm run haven -- trust …` as `npm start` runs it before its first build: no database anywhere
// (DATABASE_URL unset, and the embedded one is never opened).
const dir = mkdtempSync(path.join(tmpdir(), 'haven-trust-cli-'));
const env = {
  HAVEN_DATA_DIR: dir,
  DATABASE_URL: undefined,
  HAVEN_INSTALLATION_SEED: undefined,
  HAVEN_KEY_LOG_SEED: undefined,
  HAVEN_TRUST_ROOTS_FILE: undefined,
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run haven -- trust', () => {
  it('init makes what is missing without a database, then leaves it alone; show prints the roots', { timeout: 60_000 }, async () => {
    const first = await havenCommand(env, 'trust', 'init', '--if-missing');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim().split('\n')).toEqual(['installation-keys.json', 'org-root.key', 'trust-roots.json'].map((f) => `Made ${path.join(dir, f)}`));
    expect(first.stderr).toMatch(/Keep a copy offline/);
    const roots = readFileSync(path.join(dir, 'trust-roots.json'), 'utf8');

    const again = await havenCommand(env, 'trust', 'init', '--if-missing');
    expect(again).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await havenCommand(env, 'trust', 'init')).stdout).toMatch(/set up already .*nothing was changed/);
    expect(readFileSync(path.join(dir, 'trust-roots.json'), 'utf8')).toBe(roots);

    const show = await havenCommand(env, 'trust', 'show');
    expect(show.code).toBe(0);
    const parsed = JSON.parse(roots) as { keyLogPublicKey: string; orgRootPublicKey: string };
    expect(show.stdout).toContain(`key log public key       ${parsed.keyLogPublicKey}`);
    expect(show.stdout).toContain(`organisation root key    ${parsed.orgRootPublicKey}`);
    expect(show.stdout).toMatch(/fingerprint \(SHA-256\) {2}([0-9a-f]{4} ){15}[0-9a-f]{4}\n/);
    expect(show.stdout).toMatch(/private key is on this machine/);
  });

  it('says in one line what is wrong with a damaged trust roots file, and changes nothing', { timeout: 30_000 }, async () => {
    const broken = mkdtempSync(path.join(tmpdir(), 'haven-trust-cli-'));
    try {
      writeFileSync(path.join(broken, 'trust-roots.json'), '{"v":1}');
      for (const action of ['init', 'show']) {
        const res = await havenCommand({ ...env, HAVEN_DATA_DIR: broken }, 'trust', action);
        expect(res.code).toBe(1);
        expect(res.stderr).toMatch(
          /^haven: trust failed: .*trust-roots\.json is not a Haven trust roots file \(keyLogPublicKey is not a valid Ed25519 public key\)\n$/,
        );
      }
      expect(readFileSync(path.join(broken, 'trust-roots.json'), 'utf8')).toBe('{"v":1}');
      const usage = await havenCommand(env, 'trust', 'rotate');
      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/expected init or show/);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});
