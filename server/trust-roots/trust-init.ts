import { toBase64Url, type TrustRoots } from '../../crypto';
import type { Config } from '../config';
import { createInstallationKeys, keyFilePath, loadInstallationKeys } from '../installation-keys';
import { keyLogSigningKeys } from '../keys/key-log-key';
import { createOrgRootKey, orgRootKeyPath, readOrgRootKey } from './org-root-key';
import { readTrustRootsFile, trustRootsPath, TrustRootsError, writeTrustRootsFile } from './trust-roots-file';

export type TrustInitConfig = Pick<Config, 'HAVEN_KEY_LOG_SEED' | 'HAVEN_INSTALLATION_SEED' | 'HAVEN_DATA_DIR' | 'HAVEN_TRUST_ROOTS_FILE'>;

export interface TrustInitResult {
  /** The trust roots file. */
  file: string;
  roots: TrustRoots;
  /** Files this call made, in order (empty when everything was already there). */
  made: string[];
}

/**
 * Sets up the installation's trust roots, making only what is missing and replacing nothing:
 * the installation key (a new installation's, when HAVEN_KEY_LOG_SEED does not give the log's key),
 * the organisation root key file, and the public trust roots file the web client is built with.
 * When the trust roots file exists, no key is made: its org root may well be offline by now, and
 * a new one would be a second root. What exists is checked against what the configuration gives.
 * Needs no database.
 */
export function initTrustRoots(config: TrustInitConfig, now: Date): TrustInitResult {
  const file = trustRootsPath(config);
  const existing = readTrustRootsFile(file);
  const made: string[] = [];
  if (!existing && !config.HAVEN_KEY_LOG_SEED && !config.HAVEN_INSTALLATION_SEED && !loadInstallationKeys(config)) {
    createInstallationKeys(config, now);
    made.push(keyFilePath(config.HAVEN_DATA_DIR));
  }
  const logKey = keyLogSigningKeys(config);
  const keyLogPublicKey = toBase64Url(logKey.publicKey);
  const rootFile = orgRootKeyPath(config.HAVEN_DATA_DIR);
  const orgRoot = readOrgRootKey(rootFile);

  if (existing) {
    if (existing.keyLogPublicKey !== keyLogPublicKey) {
      throw new TrustRootsError(
        `${file} names key log key ${existing.keyLogPublicKey}, but ${logKey.source} gives ${keyLogPublicKey}: configure the key this installation was set up with (docs/backup-restore.md); the file is not replaced`,
      );
    }
    if (orgRoot && toBase64Url(orgRoot.publicKey) !== existing.orgRootPublicKey) {
      throw new TrustRootsError(`${file} names organisation root ${existing.orgRootPublicKey}, but ${rootFile} holds another key: neither file is replaced`);
    }
    return { file, roots: existing, made };
  }

  const root = orgRoot ?? createOrgRootKey(rootFile, now);
  if (!orgRoot) made.push(rootFile);
  const roots: TrustRoots = { v: 1, keyLogPublicKey, orgRootPublicKey: toBase64Url(root.publicKey) };
  writeTrustRootsFile(file, roots);
  made.push(file);
  return { file, roots, made };
}
