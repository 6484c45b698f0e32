import type { z } from 'zod';
import { fromBase64Url, keyFingerprint, verifyAttestation, verifyKeyPossession } from '../../crypto';
import { loadUserRecord } from '../accounts/accounts.store';
import { actorOf, type SignedIn } from '../accounts/session-view';
import { appendAuditEntries } from '../audit';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { canAttestKey, canManageOwnKeys, canReadIndex, requireAllowed } from '../policy';
import { localDate } from '../shared/clock';
import type { ServiceContext } from '../shared/context';
import { appendToKeyLog } from './key-log.service';
import { certifyDemoAdmin } from '../admin-certificates/admin-certificates.service';
import type { attestationBody, keyBackupBody, publishKeysBody } from './keys.schema';
import { claimKeys, findKeyBackup, findUserKeys, keysAndAgenciesOfUsers, lockKeysOf, saveKeyBackup, upsertUserKeys, type UserKeysRow } from './keys.store';

export interface PublicKeysView {
  userId: string;
  signPublicKey: string;
  boxPublicKey: string;
  fingerprint: string;
  createdAt: string;
}

const view = (row: UserKeysRow): PublicKeysView => ({
  userId: row.userId,
  signPublicKey: row.signPublicKey,
  boxPublicKey: row.boxPublicKey,
  fingerprint: row.fingerprint,
  createdAt: row.createdAt.toISOString(),
});

/**
 * Publishes the signed-in user's public keys to the directory and the key log, once their
 * browser has proved it holds them (docs/key-log.md). The same keys again are a no-op (a
 * retried request); different keys need `replace: true`, and are logged as a new entry so every
 * correspondent's client sees the change. A key that ever belonged to another user is refused.
 */
export async function publishMyKeys(
  ctx: ServiceContext,
  signedIn: SignedIn,
  input: z.infer<typeof publishKeysBody>,
): Promise<{ keys: PublicKeysView; created: boolean }> {
  requireAllowed(canManageOwnKeys(signedIn.actor));
  const keys = { signPublicKey: input.signPublicKey, boxPublicKey: input.boxPublicKey };
  if (!verifyKeyPossession({ userId: signedIn.actor.id, ...keys }, input.proof)) {
    throw new ValidationError(
      'These keys could not be shown to be yours: the proof is not signed by the signing key being published, for your account.',
      [{ path: 'proof', message: 'Sign the publication with the new signing key' }],
      'key_possession_unproven',
    );
  }
  const fingerprint = keyFingerprint(keys);
  const now = ctx.clock();
  const row = { userId: signedIn.actor.id, ...keys, fingerprint, possessionProof: input.proof, createdAt: now };
  return ctx.db.transaction(async (tx) => {
    await lockKeysOf(tx, signedIn.actor.id);
    const existing = await findUserKeys(tx, signedIn.actor.id);
    if (existing?.fingerprint === fingerprint) return { keys: view(existing), created: false };
    if (existing && !input.replace) {
      throw new ConflictError('keys_exist', 'You already have keys. Replacing them warns everyone you share with; confirm that you want to replace them.');
    }
    if ((await claimKeys(tx, signedIn.actor.id, [keys.signPublicKey, keys.boxPublicKey], now)).length > 0) {
      throw new ConflictError('key_in_use', 'These keys belong to another Haven account. Make new keys in this browser.');
    }
    await upsertUserKeys(tx, row);
    await appendToKeyLog(ctx, tx, { v: 1, userId: row.userId, ...keys, fingerprint, attestedBy: null, attestation: null, loggedAt: now.toISOString() });
    await certifyDemoAdmin(ctx, tx, row.userId);
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: signedIn.actor.agencyId,
          action: existing ? 'keys.replaced' : 'keys.published',
          subjectType: 'user',
          subjectId: signedIn.actor.id,
          detail: { fingerprint },
        },
      ],
      now,
    );
    return { keys: view(row), created: true };
  });
}

/** The user's own published keys, or null before they have set them up (a normal state, not an error). */
export async function myKeys(ctx: ServiceContext, signedIn: SignedIn): Promise<PublicKeysView | null> {
  requireAllowed(canManageOwnKeys(signedIn.actor));
  const row = await findUserKeys(ctx.db, signedIn.actor.id);
  return row ? view(row) : null;
}

/**
 * Public keys are not secret, but only people who may use the index look them up. Each comes with
 * the person's agency: a client counts an attestation only from an admin of that agency.
 */
export async function publicKeysOf(ctx: ServiceContext, signedIn: SignedIn, userIds: string[]): Promise<(PublicKeysView & { agencyId: string | null })[]> {
  requireAllowed(canReadIndex(signedIn.actor));
  return (await keysAndAgenciesOfUsers(ctx.db, userIds)).map((row) => ({ ...view(row), agencyId: row.agencyId }));
}

/**
 * An admin's attestation that this user holds the keys with this fingerprint, signed in the
 * admin's browser with their own logged signing key; logged as a new entry for the user.
 */
export async function attestUserKeys(ctx: ServiceContext, signedIn: SignedIn, userId: string, input: z.infer<typeof attestationBody>): Promise<void> {
  const target = await loadUserRecord(ctx.db, userId);
  if (!target) throw new NotFoundError('user_not_found', 'That user does not exist.');
  const today = localDate(ctx.clock());
  requireAllowed(canAttestKey(signedIn.actor, actorOf(target, today)));
  const [keys, adminKeys] = await Promise.all([findUserKeys(ctx.db, userId), findUserKeys(ctx.db, signedIn.actor.id)]);
  if (!keys) throw new NotFoundError('no_keys', 'This user has not set up encryption keys yet.');
  if (!adminKeys) throw new ValidationError('Set up your own encryption keys before attesting anyone else’s.', [], 'admin_has_no_keys');
  if (keys.fingerprint !== input.fingerprint) {
    throw new ConflictError('fingerprint_changed', 'This user’s keys have changed since you checked them. Check the new fingerprint with them.');
  }
  if (!verifyAttestation({ userId, fingerprint: input.fingerprint }, input.attestation, fromBase64Url(adminKeys.signPublicKey))) {
    throw new ValidationError(
      'The attestation is not signed by your key.',
      [{ path: 'attestation', message: 'Sign the attestation with your own key' }],
      'attestation_invalid',
    );
  }
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    await appendToKeyLog(ctx, tx, {
      v: 1,
      userId,
      signPublicKey: keys.signPublicKey,
      boxPublicKey: keys.boxPublicKey,
      fingerprint: keys.fingerprint,
      attestedBy: signedIn.actor.id,
      attestation: input.attestation,
      loggedAt: now.toISOString(),
    });
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: target.user.agencyId,
          action: 'keys.attested',
          subjectType: 'user',
          subjectId: userId,
          detail: { fingerprint: keys.fingerprint },
        },
      ],
      now,
    );
  });
}

/** Stores the signed-in user's encrypted key backup (only ever their own). */
export async function saveMyKeyBackup(ctx: ServiceContext, signedIn: SignedIn, backup: z.infer<typeof keyBackupBody>): Promise<void> {
  requireAllowed(canManageOwnKeys(signedIn.actor));
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    await saveKeyBackup(tx, signedIn.actor.id, backup, now);
    await appendAuditEntries(
      tx,
      [{ actorId: signedIn.actor.id, agencyId: signedIn.actor.agencyId, action: 'keys.backup_saved', subjectType: 'user', subjectId: signedIn.actor.id }],
      now,
    );
  });
}

/** Hands the user their own encrypted backup to restore on a new browser; the fetch is audited. */
/** Whether this user has a key backup, and when it was saved: what the account page shows, without reading (or auditing a read of) the backup itself. */
export async function myKeyBackupStatus(ctx: ServiceContext, signedIn: SignedIn): Promise<{ exists: boolean; savedAt: string | null }> {
  requireAllowed(canManageOwnKeys(signedIn.actor));
  const row = await findKeyBackup(ctx.db, signedIn.actor.id);
  return { exists: row !== undefined, savedAt: row?.updatedAt.toISOString() ?? null };
}

export async function myKeyBackup(ctx: ServiceContext, signedIn: SignedIn): Promise<Record<string, unknown>> {
  requireAllowed(canManageOwnKeys(signedIn.actor));
  const row = await findKeyBackup(ctx.db, signedIn.actor.id);
  if (!row) throw new NotFoundError('no_key_backup', 'There is no key backup for your account.');
  await appendAuditEntries(
    ctx.db,
    [{ actorId: signedIn.actor.id, agencyId: signedIn.actor.agencyId, action: 'keys.backup_read', subjectType: 'user', subjectId: signedIn.actor.id }],
    ctx.clock(),
  );
  return row.backup;
}
