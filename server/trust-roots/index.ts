// The installation's trust roots, kept outside the database (docs/key-log.md, "Trust roots").
export { createOrgRootKey, ORG_ROOT_KEY_FORMAT, orgRootKeyPath, readOrgRootKey, type OrgRootKeys } from './org-root-key';
export { checkTrustRoots, refuseKeyLogSeedInDatabase } from './start-check';
export { initTrustRoots, type TrustInitResult } from './trust-init';
export { readTrustRootsFile, sameTrustRoots, TRUST_ROOTS_FILE_NAME, trustRootsPath, TrustRootsError, writeTrustRootsFile } from './trust-roots-file';
