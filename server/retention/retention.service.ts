import type { SignedIn } from '../accounts/session-view';
import { appendAuditEntries } from '../audit';
import { visibleChild } from '../children/children.service';
import { findChild } from '../children/children.store';
import { ConflictError, NotFoundError } from '../errors';
import { canManageRetention, canPlaceLegalHold, requireAllowed } from '../policy';
import { localDate } from '../shared/clock';
import type { ServiceContext } from '../shared/context';
import { destroyChildren, readersForBatch, recordCountsForBatch } from './batch.store';
import { dueChildren, finishRun, insertLegalHold, insertRun, insertTombstones, listRuns, markInterruptedRuns, releaseLegalHolds } from './retention.store';

export interface RetentionResult {
  runId: string;
  dryRun: boolean;
  children: { childId: string; counts: Record<string, number> }[];
}

const BATCH = 500;

/**
 * Destroys (or, in a dry run, lists) every child whose records are due, a child per
 * transaction: the run is idempotent and resumable — a crash leaves the rest for the next run,
 * and a child already destroyed is simply no longer found. Each destruction leaves a tombstone
 * without personal data and an audit entry with its counts; connected clients are told to forget.
 */
export async function runRetention(
  ctx: Pick<ServiceContext, 'db' | 'clock' | 'config' | 'notifier'>,
  options: { dryRun: boolean; triggeredBy: string | null; onProgress?: (done: number) => void },
): Promise<RetentionResult> {
  const started = ctx.clock();
  const today = localDate(started);
  const ages = { index: ctx.config.HAVEN_RETENTION_INDEX_AGE_YEARS, specialFile: ctx.config.HAVEN_RETENTION_SPECIAL_FILE_AGE_YEARS };
  await markInterruptedRuns(ctx.db);
  const runId = await insertRun(ctx.db, { startedAt: started, dryRun: options.dryRun, triggeredBy: options.triggeredBy, status: 'running' });
  await appendAuditEntries(
    ctx.db,
    [
      {
        actorId: options.triggeredBy,
        agencyId: null,
        action: 'retention.run_started',
        subjectType: 'retention_run',
        subjectId: runId,
        detail: { dryRun: options.dryRun, today },
      },
    ],
    started,
  );
  const results: RetentionResult['children'] = [];
  const seen = new Set<string>();
  for (;;) {
    // A dry run deletes nothing, so it pages past what it has already listed.
    const batch = (await dueChildren(ctx.db, today, ages, BATCH + seen.size)).filter((id) => !seen.has(id)).slice(0, BATCH);
    if (!batch.length) break;
    for (const childId of batch) seen.add(childId);
    const counts = await recordCountsForBatch(ctx.db, batch);
    if (!options.dryRun) {
      const readers = await readersForBatch(ctx.db, batch);
      const now = ctx.clock();
      // A batch per transaction, a statement per table: a crash loses at most this batch's work,
      // which the next run redoes, and nothing is half-destroyed.
      await ctx.db.transaction(async (tx) => {
        await destroyChildren(tx, batch);
        await insertTombstones(
          tx,
          batch.map((childId) => ({ childId, destroyedAt: now, runId, counts: counts.get(childId) ?? {} })),
        );
        await appendAuditEntries(
          tx,
          batch.map((childId) => ({
            actorId: options.triggeredBy,
            agencyId: null,
            action: 'retention.child_destroyed' as const,
            subjectType: 'child',
            subjectId: childId,
            detail: { runId, counts: counts.get(childId) ?? {} },
          })),
          now,
        );
      });
      for (const childId of batch) {
        const held = readers.get(childId);
        if (held) ctx.notifier.toUsers(held.userIds, 'retention:purged', { childId, threadIds: held.threadIds });
      }
    }
    for (const childId of batch) results.push({ childId, counts: counts.get(childId) ?? {} });
    options.onProgress?.(results.length);
  }
  const finished = ctx.clock();
  const summary = { children: results.length, ids: results.map((r) => r.childId) };
  await finishRun(ctx.db, runId, finished, summary);
  await appendAuditEntries(
    ctx.db,
    [
      {
        actorId: options.triggeredBy,
        agencyId: null,
        action: 'retention.run_finished',
        subjectType: 'retention_run',
        subjectId: runId,
        detail: { dryRun: options.dryRun, ...summary },
      },
    ],
    finished,
  );
  return { runId, dryRun: options.dryRun, children: results };
}

export async function runRetentionAsAdmin(ctx: ServiceContext, signedIn: SignedIn, dryRun: boolean): Promise<RetentionResult> {
  requireAllowed(canManageRetention(signedIn.actor));
  return runRetention(ctx, { dryRun, triggeredBy: signedIn.actor.id });
}

export async function retentionRuns(ctx: ServiceContext, signedIn: SignedIn) {
  requireAllowed(canManageRetention(signedIn.actor));
  return (await listRuns(ctx.db)).map((r) => ({
    id: r.id,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    dryRun: r.dryRun,
    status: r.status,
    summary: r.summary,
  }));
}

export async function placeLegalHold(ctx: ServiceContext, signedIn: SignedIn, childId: string, reason: string): Promise<void> {
  requireAllowed(canPlaceLegalHold(signedIn.actor));
  await visibleChild(ctx, signedIn, childId);
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    await insertLegalHold(tx, { childId, placedBy: signedIn.actor.id, placedAt: now, reason });
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: signedIn.actor.agencyId,
          action: 'legal_hold.placed',
          subjectType: 'child',
          subjectId: childId,
          privateDetail: { detail: { reason }, childIds: [childId] },
        },
      ],
      now,
    );
  });
}

export async function releaseLegalHold(ctx: ServiceContext, signedIn: SignedIn, childId: string, reason: string): Promise<void> {
  requireAllowed(canPlaceLegalHold(signedIn.actor));
  if (!(await findChild(ctx.db, childId))) throw new NotFoundError('child_not_found', 'There is no child on the index with this identifier.');
  const now = ctx.clock();
  await ctx.db.transaction(async (tx) => {
    if (!(await releaseLegalHolds(tx, childId, signedIn.actor.id, now)))
      throw new ConflictError('no_legal_hold', 'There is no legal hold on this child’s records.');
    await appendAuditEntries(
      tx,
      [
        {
          actorId: signedIn.actor.id,
          agencyId: signedIn.actor.agencyId,
          action: 'legal_hold.released',
          subjectType: 'child',
          subjectId: childId,
          privateDetail: { detail: { reason }, childIds: [childId] },
        },
      ],
      now,
    );
  });
}
