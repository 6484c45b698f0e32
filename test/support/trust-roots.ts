import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromBase64Url, parseTrustRoots, signingKeyPairFromSeed, type TrustRoots } from '../../crypto';
import { findUserByEmail } from '../../server/accounts/accounts.store';
import { certifyAdminAsOperator, type SignedAdminCertificate } from '../../server/admin-certificates';
import { findUserKeys } from '../../server/keys/keys.store';
import type { TestHaven } from './haven';

// TEST-ONLY trust roots (test/fixtures/README.md). The seeds are public: whoever reads this file
// can sign key-log heads and admin certificates these roots accept, which is what tests need and
// why no real installation may use them.

/** The key log's signing seed in every test installation (HAVEN_KEY_LOG_SEED). */
export const TEST_KEY_LOG_SEED = 'aGF2ZW4gdGVzdC1vbmx5IGtleSBsb2cgc2VlZCEhISE';
/** The organisation root's seed in every test installation (written to its org-root key file). */
export const TEST_ORG_ROOT_SEED = 'aGF2ZW4gdGVzdC1vbmx5IG9yZyByb290IHNlZWQhISE';
/** The public trust roots of those seeds; the test web build is made with this file. */
export const TEST_TRUST_ROOTS_FILE = fileURLToPath(new URL('../fixtures/trust-roots.json', import.meta.url));

/** What a test installation's processes are configured with, so they match the test web build. */
export const TEST_TRUST_ENV = { HAVEN_KEY_LOG_SEED: TEST_KEY_LOG_SEED, HAVEN_TRUST_ROOTS_FILE: TEST_TRUST_ROOTS_FILE } as const;

/** The fixture trust roots, as a client build embeds them. */
export function testTrustRoots(): TrustRoots {
  return parseTrustRoots(JSON.parse(readFileSync(TEST_TRUST_ROOTS_FILE, 'utf8')));
}

/** The key log public key a test client trusts: from the fixture, never from an API answer. */
export function testLogPublicKey(): Uint8Array {
  return fromBase64Url(testTrustRoots().keyLogPublicKey, 'keyLogPublicKey');
}

/** The fixture organisation root's key pair (libsodium's 64-byte private key), for certifying admins in tests. */
export function testOrgRootKeys(): { publicKey: Uint8Array; privateKey: Uint8Array } {
  return signingKeyPairFromSeed(fromBase64Url(TEST_ORG_ROOT_SEED, 'TEST_ORG_ROOT_SEED'));
}

/**
 * Certifies a demo admin's current signing key with the test org root, as an operator does with
 * `npm run haven -- certify-admin` (same service; the fingerprint is the admin's current one
 * unless given). Returns what clients will receive from GET /api/admin-certificates.
 */
export async function certifyTestAdmin(haven: TestHaven, name: string, fingerprint?: string): Promise<SignedAdminCertificate> {
  const account = haven.account(name);
  const user = await findUserByEmail(haven.ctx.db, account.email);
  const current = user && (await findUserKeys(haven.ctx.db, user.id));
  const { certificate, signature } = await certifyAdminAsOperator(haven.ctx, {
    email: account.email,
    fingerprint: fingerprint ?? current?.fingerprint ?? '',
    orgRoot: { ...testOrgRootKeys(), file: 'the test org root (test/support/trust-roots.ts)' },
    trustRoots: testTrustRoots(),
  });
  return { certificate, signature };
}
