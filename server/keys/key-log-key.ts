import { fromBase64Url, signingKeyPairFromSeed, toBase64Url } from '../../crypto';
import type { Config } from '../config';
import { keySource, loadInstallationKeys, MissingInstallationKeyError } from '../installation-keys';

export type KeyLogKeyConfig = Pick<Config, 'HAVEN_KEY_LOG_SEED' | 'HAVEN_INSTALLATION_SEED' | 'HAVEN_DATA_DIR'>;

export interface KeyLogKeys {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
  /** Where the seed comes from, for messages (never the seed). */
  source: string;
}

const cache = new WeakMap<KeyLogKeyConfig, KeyLogKeys>();

/**
 * The key log's signing key, never from the database: HAVEN_KEY_LOG_SEED when set, otherwise
 * derived from the installation key (purpose 'key-log-signing'). Clients trust its public key
 * because their build says so (the trust roots), so whoever holds only the database can sign
 * nothing they accept, and a restored database cannot re-key the log.
 */
export function keyLogSigningKeys(config: KeyLogKeyConfig): KeyLogKeys {
  const cached = cache.get(config);
  if (cached) return cached;
  let keys: KeyLogKeys;
  if (config.HAVEN_KEY_LOG_SEED) {
    keys = { ...signingKeyPairFromSeed(fromBase64Url(config.HAVEN_KEY_LOG_SEED, 'HAVEN_KEY_LOG_SEED')), source: 'HAVEN_KEY_LOG_SEED' };
  } else {
    const installation = loadInstallationKeys(config);
    if (!installation) {
      throw new MissingInstallationKeyError(
        `no key log signing key: set HAVEN_KEY_LOG_SEED, or restore the installation key (${keySource(config)}); a new installation makes it with \`npm run haven -- trust init\``,
      );
    }
    keys = { ...signingKeyPairFromSeed(installation.key('key-log-signing')), source: installation.source };
  }
  cache.set(config, keys);
  return keys;
}

export function keyLogPublicKey(config: KeyLogKeyConfig): string {
  return toBase64Url(keyLogSigningKeys(config).publicKey);
}
