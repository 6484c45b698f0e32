import type { z } from 'zod';
import { keyFingerprint } from '../../crypto';
import type { SignedIn } from '../accounts/session-view';
import { appendAuditEntries } from '../audit';
import { ConflictError, NotFoundError } from '../errors';
import { canReadIndex, requireAllowed } from '../policy';
import type { ServiceContext } from '../shared/context';
import type { publishKeysBody } from './keys.schema';
import { findUserKeys, insertUserKeys, keysOfUsers, type UserKeysRow } from './keys.store';

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
 * Publishes the signed-in user's public keys, once. Publishing the same keys again is a no-op
 * (a retried request); different keys are refused until key rotation with the key log exists.
 */
export async function publishMyKeys(
  ctx: ServiceContext,
  signedIn: SignedIn,
  input: z.infer<typeof publishKeysBody>,
): Promise<{ keys: PublicKeysView; created: boolean }> {
  const fingerprint = keyFingerprint(input);
  const existing = await findUserKeys(ctx.db, signedIn.actor.id);
  if (existing) {
    if (existing.fingerprint === fingerprint) return { keys: view(existing), created: false };
    throw new ConflictError('keys_exist', 'You already have keys. Restoring them on a new browser, or replacing them, is not possible yet.');
  }
  const now = ctx.clock();
  const row = { userId: signedIn.actor.id, ...input, fingerprint, createdAt: now };
  await ctx.db.transaction(async (tx) => {
    await insertUserKeys(tx, row);
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: signedIn.actor.agencyId,
          action: 'keys.published',
          subjectType: 'user',
          subjectId: signedIn.actor.id,
          detail: { fingerprint },
        },
      ],
      now,
    );
  });
  return { keys: view(row), created: true };
}

export async function myKeys(ctx: ServiceContext, signedIn: SignedIn): Promise<PublicKeysView> {
  const row = await findUserKeys(ctx.db, signedIn.actor.id);
  if (!row) throw new NotFoundError('no_keys', 'You have not set up your encryption keys yet.');
  return view(row);
}

/** Public keys are not secret, but only people who may use the index look them up. */
export async function publicKeysOf(ctx: ServiceContext, signedIn: SignedIn, userIds: string[]): Promise<PublicKeysView[]> {
  requireAllowed(canReadIndex(signedIn.actor));
  return (await keysOfUsers(ctx.db, userIds)).map(view);
}
