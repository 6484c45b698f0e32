// The installation's secrets, kept outside the database (docs/installation-keys.md).
export {
  createInstallationKeys,
  keySource,
  loadInstallationKeys,
  MissingInstallationKeyError,
  type InstallationKeyPurpose,
  type InstallationKeys,
} from './installation-keys';
export { KeyFileError, keyFilePath } from './key-file';
