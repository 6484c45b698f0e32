import { appendAuditEntries } from '../audit';
import type { Database } from '../db';
import type { ServiceContext } from '../shared/context';
import { findAttachments, markDeleted, unsentBefore, type DeletedBecause } from './attachments.store';
import { blobStores } from './blob-store';

/** Deletes the ciphertext of uploads, committed with `alsoInTransaction`'s work, then files outside the database. */
export async function deleteCiphertext(
  ctx: Pick<ServiceContext, 'clock' | 'config'>,
  tx: Database,
  where: { ids?: string[]; messageId?: string; onlyUnsent?: boolean },
  because: DeletedBecause,
): Promise<{ afterCommit: () => Promise<void>; ids: string[] }> {
  const stores = blobStores(ctx.config);
  const deleted = await markDeleted(tx, where, because, ctx.clock());
  const later: { kind: string; id: string }[] = [];
  for (const row of deleted) {
    const store = stores.of(row.store);
    if (store.transactional) await store.remove(tx, [row.id]);
    else later.push({ kind: row.store, id: row.id });
  }
  return {
    ids: deleted.map((r) => r.id),
    afterCommit: async () => {
      for (const { kind, id } of later) await stores.of(kind).remove(tx, [id]);
    },
  };
}

/** Unsent uploads are kept this long (a message being written), then deleted. */
export const UNSENT_KEPT_MS = 24 * 3_600_000;

/**
 * Deletes the ciphertext of uploads never attached to a message, 24 hours after they started, a
 * page per transaction with one audit entry per child. Idempotent; returns how many it deleted.
 */
export async function sweepUnsentUploads(ctx: Pick<ServiceContext, 'db' | 'clock' | 'config'>, pageSize = 200): Promise<number> {
  let deleted = 0;
  for (;;) {
    const now = ctx.clock();
    const ids = await unsentBefore(ctx.db, new Date(now.getTime() - UNSENT_KEPT_MS), pageSize);
    if (!ids.length) return deleted;
    const done = await ctx.db.transaction(async (tx) => {
      // Only what is still unsent when its row is taken: a send may have committed since the ids were read.
      const deletion = await deleteCiphertext(ctx, tx, { ids, onlyUnsent: true }, 'never_sent');
      const rows = await findAttachments(tx, deletion.ids);
      const byChild = new Map<string, string[]>();
      for (const row of rows) byChild.set(row.childId, [...(byChild.get(row.childId) ?? []), row.id]);
      await appendAuditEntries(
        tx,
        [...byChild].map(([childId, attachmentIds]) => ({
          actorId: null,
          agencyId: null,
          action: 'attachment.deleted' as const,
          subjectType: 'child',
          subjectId: childId,
          detail: { attachmentIds, because: 'never_sent' },
        })),
        now,
      );
      return deletion;
    });
    await done.afterCommit();
    deleted += done.ids.length;
    if (ids.length < pageSize) return deleted;
  }
}
