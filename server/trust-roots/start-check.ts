import { existsSync } from 'node:fs';
import path from 'node:path';
import { toBase64Url, type TrustRoots } from '../../crypto';
import type { Database } from '../db';
import { keyLogSigningKeys, type KeyLogKeyConfig } from '../keys/key-log-key';
import { keyLogSeedInDatabase } from '../keys/key-log.store';
import { readTrustRootsFile, sameTrustRoots, TRUST_ROOTS_FILE_NAME, trustRootsPath, TrustRootsError, type TrustRootsConfig } from './trust-roots-file';

const REBUILD = 'rebuild the web client: npm run build:web';

/**
 * Before a server starts: what it signs with, the trust roots file and the web client it serves
 * agree. A server whose key log key differs from the one its clients were built with would only
 * ever show them "could not be checked"; a web build made with other roots would trust another
 * installation's keys. Throws a TrustRootsError saying, in one line, what to do.
 */
export function checkTrustRoots(config: KeyLogKeyConfig & TrustRootsConfig, webDist: string): TrustRoots | null {
  const file = trustRootsPath(config);
  const roots = readTrustRootsFile(file);
  const own = keyLogSigningKeys(config);
  const ownKey = toBase64Url(own.publicKey);
  if (roots && roots.keyLogPublicKey !== ownKey) {
    throw new TrustRootsError(
      `${file} names key log key ${roots.keyLogPublicKey}, but this server signs with ${ownKey} (from ${own.source}): configure the key this installation was set up with (docs/backup-restore.md)`,
    );
  }
  if (!existsSync(path.join(webDist, 'index.html'))) return roots;
  const builtFile = path.join(webDist, TRUST_ROOTS_FILE_NAME);
  const built = readTrustRootsFile(builtFile);
  if (!built) throw new TrustRootsError(`the web client in ${webDist} was built without trust roots: ${REBUILD}`);
  if (!roots) throw new TrustRootsError(`there is no trust roots file (${file}): run \`npm run haven -- trust init\`, then ${REBUILD}`);
  if (!sameTrustRoots(built, roots)) {
    throw new TrustRootsError(`the web client in ${webDist} was built with other trust roots than ${file}: ${REBUILD}`);
  }
  return roots;
}

/**
 * Installations set up before issue 17 kept the key log's seed in the database. It is refused, not
 * adopted: whoever had the database, or any backup of it, holds that key.
 */
export async function refuseKeyLogSeedInDatabase(db: Database): Promise<void> {
  if (await keyLogSeedInDatabase(db)) {
    throw new TrustRootsError(
      "the database holds the key log's signing seed (server_secrets 'key_log_seed'), which anyone with the database could sign with: move it out (docs/key-log.md, \"Moving the seed out of the database\")",
    );
  }
}
