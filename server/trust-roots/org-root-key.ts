import path from 'node:path';
import { signingKeyPairFromSeed } from '../../crypto';
import { createKeyFile, readKeyFile, type SeedFileKind } from '../installation-keys';

/** The organisation root key's file name in the data folder, where `trust init` makes it. */
export const ORG_ROOT_KEY_FILE_NAME = 'org-root.key';
export const ORG_ROOT_KEY_FORMAT = 'haven/org-root-key/v1';
const ORG_ROOT_KEY: SeedFileKind = { format: ORG_ROOT_KEY_FORMAT, label: 'organisation root key file' };

/**
 * The organisation root: the Ed25519 key that certifies admins (crypto/admin-certificate.ts). Its
 * private half lives only in this file, never in the database, and belongs offline once the
 * installation's admins are certified: the server does not need it to run.
 */
export interface OrgRootKeys {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
  /** Where it was read from, for messages. */
  file: string;
}

export function orgRootKeyPath(dataDir: string): string {
  return path.join(dataDir, ORG_ROOT_KEY_FILE_NAME);
}

/** The key in `file`, or null when there is none. Refuses a file others can read or that is not an org root key file. */
export function readOrgRootKey(file: string): OrgRootKeys | null {
  const seed = readKeyFile(file, ORG_ROOT_KEY);
  return seed ? { ...signingKeyPairFromSeed(seed), file } : null;
}

/** A new org root key in `file` (owner-only); an existing file is never replaced. */
export function createOrgRootKey(file: string, now: Date): OrgRootKeys {
  return { ...signingKeyPairFromSeed(createKeyFile(file, now, ORG_ROOT_KEY)), file };
}
