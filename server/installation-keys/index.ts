// The installation's secrets, kept outside the database (docs/installation-keys.md).
export {
  createInstallationKeys,
  keySource,
  loadInstallationKeys,
  MissingInstallationKeyError,
  type InstallationKeyPurpose,
  type InstallationKeys,
} from './installation-keys';
export { createKeyFile, KeyFileError, keyFilePath, readKeyFile, type SeedFileKind } from './key-file';
