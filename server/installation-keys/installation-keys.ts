import { deriveInstallationKey, fromBase64Url } from '../../crypto';
import type { Config } from '../config';
import { KeyFileError, createKeyFile, keyFilePath, readKeyFile } from './key-file';

/**
 * What the installation's keys are for. Each gets its own key derived from the one seed, so a key
 * is never used for two jobs; add a purpose here to give a new job a key.
 */
export type InstallationKeyPurpose = 'audit-chain' | 'audit-anchor-signing' | 'key-log-signing' | 'passkey-binding';

/**
 * The installation's secret, kept outside the database: from HAVEN_INSTALLATION_SEED, or from the
 * key file in the data folder. Whoever holds only the database cannot compute what these keys
 * compute (the audit chain's keyed hashes, signed anchors, the key log's signed heads unless
 * HAVEN_KEY_LOG_SEED is set).
 */
export interface InstallationKeys {
  /** Where the seed came from, for messages: the variable's name or the key file's path (never the seed). */
  readonly source: string;
  /** The 32-byte key for one purpose. */
  key(purpose: InstallationKeyPurpose): Uint8Array;
}

export class MissingInstallationKeyError extends KeyFileError {}

type KeyConfig = Pick<Config, 'HAVEN_INSTALLATION_SEED' | 'HAVEN_DATA_DIR'>;

function keysFrom(seed: Uint8Array, source: string): InstallationKeys {
  const derived = new Map<InstallationKeyPurpose, Uint8Array>();
  return {
    source,
    key(purpose) {
      let key = derived.get(purpose);
      if (!key) {
        key = deriveInstallationKey(seed, purpose);
        derived.set(purpose, key);
      }
      return key;
    },
  };
}

/** Where this configuration's seed comes from, whether or not it exists yet. */
export function keySource(config: KeyConfig): string {
  return config.HAVEN_INSTALLATION_SEED ? 'HAVEN_INSTALLATION_SEED' : keyFilePath(config.HAVEN_DATA_DIR);
}

/** The installation's keys, or null when no seed is configured and the key file does not exist (yet). */
export function loadInstallationKeys(config: KeyConfig): InstallationKeys | null {
  if (config.HAVEN_INSTALLATION_SEED) return keysFrom(fromBase64Url(config.HAVEN_INSTALLATION_SEED, 'HAVEN_INSTALLATION_SEED'), 'HAVEN_INSTALLATION_SEED');
  const file = keyFilePath(config.HAVEN_DATA_DIR);
  const seed = readKeyFile(file);
  return seed ? keysFrom(seed, file) : null;
}

/**
 * Makes the key file in the data folder (a new installation's first start, or
 * `npm run haven -- keys create`). Refused when HAVEN_INSTALLATION_SEED is set or the file exists.
 */
export function createInstallationKeys(config: KeyConfig, now: Date): InstallationKeys {
  if (config.HAVEN_INSTALLATION_SEED) throw new KeyFileError('HAVEN_INSTALLATION_SEED is set: the installation key comes from it, and no key file is made');
  const file = keyFilePath(config.HAVEN_DATA_DIR);
  return keysFrom(createKeyFile(file, now), file);
}
