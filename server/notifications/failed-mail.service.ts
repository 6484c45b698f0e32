import { appendAuditEntries } from '../audit';
import type { ServiceContext } from '../shared/context';
import { listFailed, requeueFailed, type FailedSend } from './outbox.store';

// The operator's view of e-mails that could not be sent (`npm run haven -- mail`). Both are audited
// as done at the command line: the list names recipients' addresses, and a retry can send a
// password-reset or recovery link again.

/** The failed notices (kind, address, attempts, error; never what the e-mail says), the look audited. */
export async function listFailedMail(ctx: Pick<ServiceContext, 'db' | 'clock'>): Promise<FailedSend[]> {
  const failed = await listFailed(ctx.db);
  await appendAuditEntries(
    ctx.db,
    [{ actorId: null, agencyId: null, action: 'mail.failed_listed', detail: { via: 'cli', count: failed.length, noticeIds: failed.map((f) => f.id) } }],
    ctx.clock(),
  );
  return failed;
}

/** Puts failed notices back in the queue (these ids, or all), audited with what was queued and of which kinds. */
export async function retryFailedMail(ctx: Pick<ServiceContext, 'db' | 'clock'>, ids: string[] | 'all'): Promise<{ id: string; nextAttemptAt: Date }[]> {
  const now = ctx.clock();
  return ctx.db.transaction(async (tx) => {
    const kinds = new Map((await listFailed(tx)).map((f) => [f.id, f.kind]));
    const requeued = await requeueFailed(tx, ids, now);
    if (requeued.length) {
      await appendAuditEntries(
        tx,
        [
          {
            actorId: null,
            agencyId: null,
            action: 'mail.retried',
            detail: { via: 'cli', notices: requeued.map((r) => ({ id: r.id, kind: kinds.get(r.id) ?? null })) },
          },
        ],
        now,
      );
    }
    return requeued;
  });
}
