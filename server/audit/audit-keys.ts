import { signingKeyPairFromSeed, toBase64Url, verifyAuditAnchor } from '../../crypto';
import type { Config } from '../config';
import type { Database } from '../db';
import { createInstallationKeys, keySource, loadInstallationKeys, MissingInstallationKeyError, type InstallationKeys } from '../installation-keys';
import { auditTrailIsEmpty, latestSignedAnchors } from './anchors.store';

/** The audit chain's keys, derived from the installation key (docs/audit-chain.md). */
export interface AuditKeys {
  /** Keys every entry's hash (format v2): without it, no one can append or change an entry undetected. */
  chainKey: Uint8Array;
  /** Signs anchors of the chain's head (Ed25519). */
  anchorSigning: { publicKey: Uint8Array; privateKey: Uint8Array };
  /** The anchor key's public key, base64url: stored with each anchor, printed by `npm run haven -- keys show`. */
  keyId: string;
  /** Where the installation key came from (for messages). */
  source: string;
}

export function auditKeysFrom(keys: InstallationKeys): AuditKeys {
  const anchorSigning = signingKeyPairFromSeed(keys.key('audit-anchor-signing'));
  return { chainKey: keys.key('audit-chain'), anchorSigning, keyId: toBase64Url(anchorSigning.publicKey), source: keys.source };
}

const bound = new WeakMap<object, AuditKeys>();

/**
 * Every append to the chain needs the key, and some sixty call sites append given only a database
 * or transaction handle. A transaction's handle is another object than its database's, but drizzle
 * gives it the same table schema object (built once per `drizzle()` call): keyed on that, the
 * binding made once at start-up reaches every transaction and savepoint of the handle.
 */
function identityOf(db: Database): object {
  return db._.schema ?? db;
}

/** Makes `keys` the audit keys of everything done through `db` (once, where the handle is opened). */
export function bindAuditKeys(db: Database, keys: AuditKeys): void {
  bound.set(identityOf(db), keys);
}

export function auditKeysOf(db: Database): AuditKeys {
  const keys = bound.get(identityOf(db));
  if (!keys) throw new Error('no installation key is bound to this database handle (openAuditKeys at start-up)');
  return keys;
}

export class InstallationKeyMismatchError extends MissingInstallationKeyError {}

/**
 * Whether any of the newest signed anchors checks with these keys. The newest alone is not enough
 * to refuse a key on: anyone with the database can add an anchor row claiming another key.
 */
async function anySignedWith(db: Database, keys: AuditKeys): Promise<boolean> {
  return (await latestSignedAnchors(db, 100)).some(
    (row) =>
      row.keyId === keys.keyId &&
      row.signature !== null &&
      row.legacyThrough !== null &&
      verifyAuditAnchor(
        { v: 1, seq: row.seq, hash: row.hash, at: row.anchoredAt.toISOString(), legacyThrough: row.legacyThrough },
        row.signature,
        keys.anchorSigning.publicKey,
      ),
  );
}

/**
 * Loads the installation key, checks it is the one this installation's anchors are signed with,
 * and binds it to `db`. With `create`, a missing key file is made — but only while no anchor is
 * signed yet (a new installation, or one upgraded from unkeyed chains): a key lost after that is
 * an incident to resolve by restoring it, never a reason to start a new key silently.
 */
export async function openAuditKeys(
  db: Database,
  config: Pick<Config, 'HAVEN_INSTALLATION_SEED' | 'HAVEN_DATA_DIR'>,
  options: { create: boolean; now: Date },
): Promise<AuditKeys> {
  const [signed] = await latestSignedAnchors(db, 1);
  let installation = loadInstallationKeys(config);
  if (!installation) {
    const restore = `set HAVEN_INSTALLATION_SEED, or restore ${keySource(config)}`;
    if (signed?.keyId) {
      throw new MissingInstallationKeyError(
        `no installation key, but the audit chain's anchors are signed with anchor key ${signed.keyId}: ${restore} (docs/backup-restore.md)`,
      );
    }
    if (!options.create) {
      const why = (await auditTrailIsEmpty(db)) ? 'start the server once, or run `npm run haven -- keys create`' : restore;
      throw new MissingInstallationKeyError(`no installation key: ${why}`);
    }
    installation = createInstallationKeys(config, options.now);
  }
  const keys = auditKeysFrom(installation);
  if (signed?.keyId && signed.keyId !== keys.keyId && !(await anySignedWith(db, keys))) {
    throw new InstallationKeyMismatchError(
      `the audit chain's anchors are signed with another installation key (anchor key ${signed.keyId}); ${keys.source} holds anchor key ${keys.keyId}. ` +
        'Use the key this installation was started with (docs/backup-restore.md); every process of an installation needs the same one.',
    );
  }
  bindAuditKeys(db, keys);
  return keys;
}
