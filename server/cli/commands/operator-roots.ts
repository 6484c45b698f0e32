import type { ServiceContext } from '../../shared/context';
import type { CliIo } from '../io';

/**
 * The organisation root key (from --root-key, else HAVEN_DATA_DIR/org-root.key) and the trust
 * roots, for the commands that sign with the root; null, after one line saying what is missing.
 */
export async function operatorRoots(ctx: ServiceContext, rootKeyOption: string | undefined, io: CliIo, command: string) {
  const { orgRootKeyPath, readOrgRootKey, readTrustRootsFile, trustRootsPath } = await import('../../trust-roots');
  const rootFile = rootKeyOption ?? orgRootKeyPath(ctx.config.HAVEN_DATA_DIR);
  const orgRoot = readOrgRootKey(rootFile);
  if (!orgRoot) {
    io.note(`haven: ${command}: there is no organisation root key at ${rootFile}: give --root-key <file> (where you keep it offline)`);
    return null;
  }
  const rootsFile = trustRootsPath(ctx.config);
  const trustRoots = readTrustRootsFile(rootsFile);
  if (!trustRoots) {
    io.note(`haven: ${command}: there are no trust roots (${rootsFile}); run \`npm run haven -- trust init\``);
    return null;
  }
  return { orgRoot, trustRoots };
}
