import type { SignedIn } from '../accounts/session-view';
import { appendAuditEntries } from '../audit';
import { visibleChild } from '../children/children.service';
import { findChild } from '../children/children.store';
import { ConflictError, NotFoundError } from '../errors';
import { canManageRetention, canPlaceLegalHold, requireAllowed } from '../policy';
import { localDate } from '../shared/clock';
import type { ServiceContext } from '../shared/context';
import { blobStores } from '../attachments';
import { destroyChildren, lockDestroyable, readersForBatch, recordCountsForBatch, vacuumTables } from './batch.store';
import type { RetentionProgress } from '../realtime/events';
import {
  countDueChildren,
  dueChildren,
  type DueCursor,
  findRun,
  finishRun,
  insertLegalHold,
  insertRun,
  insertTombstones,
  listRuns,
  markInterruptedRuns,
  releaseLegalHolds,
  updateRunProgress,
} from './retention.store';

export interface RetentionResult {
  runId: string;
  dryRun: boolean;
  children: { childId: string; counts: Record<string, number> }[];
}

const CONCURRENT_BATCHES = 2;

/**
 * One batch, in one transaction, a statement per table: a crash loses at most the batches then
 * in flight, which the next run redoes, and nothing is half-destroyed. The counts come from what
 * the deletes removed, so they are exactly what was destroyed. Clients holding copies of the
 * children's messages are told to forget them once it commits.
 */
async function destroyBatch(
  ctx: Pick<ServiceContext, 'db' | 'clock' | 'notifier' | 'config'>,
  listed: string[],
  runId: string,
  triggeredBy: string | null,
): Promise<{ batch: string[]; counts: Map<string, Record<string, number>>; tables: Set<string> }> {
  const readers = await readersForBatch(ctx.db, listed);
  const now = ctx.clock();
  const done = await ctx.db.transaction(async (tx) => {
    const destroyable = await lockDestroyable(tx, listed);
    const { counts: destroyed, tables, blobFiles } = await destroyChildren(tx, destroyable);
    await insertTombstones(
      tx,
      destroyable.map((childId) => ({ childId, destroyedAt: now, runId, counts: destroyed.get(childId) ?? {} })),
    );
    await appendAuditEntries(
      tx,
      destroyable.map((childId) => ({
        actorId: triggeredBy,
        agencyId: null,
        action: 'retention.child_destroyed' as const,
        subjectType: 'child',
        subjectId: childId,
        detail: { runId, counts: destroyed.get(childId) ?? {} },
      })),
      now,
    );
    return { batch: destroyable, counts: destroyed, tables, blobFiles };
  });
  if (done.blobFiles.length) await blobStores(ctx.config).of('fs').remove(ctx.db, done.blobFiles);
  for (const childId of done.batch) {
    const held = readers.get(childId);
    if (held) ctx.notifier.toUsers(held.userIds, 'retention:purged', { childId, threadIds: held.threadIds });
  }
  return done;
}

/**
 * Destroys (or, in a dry run, lists) every child whose records are due, a batch of children per
 * transaction: the run is idempotent and resumable — a crash leaves the rest for the next run,
 * and a child already destroyed is simply no longer found. Each destruction leaves a tombstone
 * without personal data and an audit entry with its counts; connected clients are told to forget.
 * Progress (children done of those due at the start) is kept on the run's row after each batch,
 * so any server process can report it, and sent to the admin who started the run.
 */
export async function runRetention(
  ctx: Pick<ServiceContext, 'db' | 'clock' | 'config' | 'notifier'>,
  options: { dryRun: boolean; triggeredBy: string | null; onProgress?: (done: number, total: number) => void; via?: 'cli' },
): Promise<RetentionResult> {
  const started = ctx.clock();
  const today = localDate(started);
  const ages = { index: ctx.config.HAVEN_RETENTION_INDEX_AGE_YEARS, specialFile: ctx.config.HAVEN_RETENTION_SPECIAL_FILE_AGE_YEARS };
  await markInterruptedRuns(ctx.db);
  // Counted once, up front: children that become due or held during the run can move it by a
  // few, so `total` never reported below `done`.
  let total = await countDueChildren(ctx.db, today, ages);
  const runId = await insertRun(ctx.db, { startedAt: started, dryRun: options.dryRun, triggeredBy: options.triggeredBy, status: 'running', total });
  const report = (phase: RetentionProgress['phase'], done: number) => {
    total = Math.max(total, done);
    options.onProgress?.(done, total);
    if (options.triggeredBy) ctx.notifier.toUsers([options.triggeredBy], 'retention:progress', { runId, phase, done, total });
  };
  const working = options.dryRun ? 'listing' : 'destroying';
  await appendAuditEntries(
    ctx.db,
    [
      {
        actorId: options.triggeredBy,
        agencyId: null,
        action: 'retention.run_started',
        subjectType: 'retention_run',
        subjectId: runId,
        detail: { dryRun: options.dryRun, today, ...(options.via && { via: options.via }) },
      },
    ],
    started,
  );
  const results: RetentionResult['children'] = [];
  let after: DueCursor | null = null;
  report(working, 0);
  let reported = 0;
  // Pages by (date of birth, id), listed one after another: a dry run deletes nothing, and a child
  // that could not be destroyed (held since it was listed) must not be listed again.
  let listing: Promise<string[]> = Promise.resolve([]);
  const nextPage = () =>
    (listing = listing.then(async () => {
      const due = await dueChildren(ctx.db, today, ages, ctx.config.HAVEN_RETENTION_BATCH_SIZE, after);
      after = due.at(-1) ?? after;
      return due.map((d) => d.id);
    }));
  /** Tables rows were destroyed from, vacuumed once every batch has committed. */
  const destroyedFrom = new Set<string>();
  const runPage = async (page: string[]) => {
    const { batch, counts, tables } = options.dryRun
      ? { batch: page, counts: await recordCountsForBatch(ctx.db, page), tables: new Set<string>() }
      : await destroyBatch(ctx, page, runId, options.triggeredBy);
    for (const table of tables) destroyedFrom.add(table);
    for (const childId of batch) results.push({ childId, counts: counts.get(childId) ?? {} });
    const done = results.length;
    total = Math.max(total, done);
    await updateRunProgress(ctx.db, runId, { done, total });
    // The other batch may have reported a higher figure meanwhile: progress never goes back.
    if (done > reported) {
      reported = done;
      report(working, done);
    }
  };
  // Two batches at once: while PostgreSQL deletes one, this process hashes the other's audit
  // entries, and the two deletes use both cores. The audit chain's lock keeps the entries in one
  // chain; the batches' children differ, so neither waits for the other's rows.
  let failed = false;
  const worker = async () => {
    try {
      for (let page = await nextPage(); page.length && !failed; page = await nextPage()) await runPage(page);
    } catch (error) {
      failed = true; // the other batch stops too, rather than carry on after the run has failed
      throw error;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_BATCHES }, worker));
  // Deleted rows stay in their tables' pages, readable by anyone with the database's files, until
  // vacuumed; the run is not over until they are gone (what remains elsewhere: docs/backup-restore.md).
  await vacuumTables(ctx.db, destroyedFrom);
  const finished = ctx.clock();
  const summary = { children: results.length, ids: results.map((r) => r.childId), vacuumed: [...destroyedFrom].sort() };
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
        detail: { dryRun: options.dryRun, ...summary, ...(options.via && { via: options.via }) },
      },
    ],
    finished,
  );
  // The end is what was done: children held since they were counted are not left outstanding.
  total = results.length;
  report('finished', results.length);
  return { runId, dryRun: options.dryRun, children: results };
}

export async function runRetentionAsAdmin(ctx: ServiceContext, signedIn: SignedIn, dryRun: boolean): Promise<RetentionResult> {
  requireAllowed(canManageRetention(signedIn.actor));
  return runRetention(ctx, { dryRun, triggeredBy: signedIn.actor.id });
}

type RunRow = NonNullable<Awaited<ReturnType<typeof findRun>>>;

function runView(r: RunRow) {
  return {
    id: r.id,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    dryRun: r.dryRun,
    status: r.status,
    summary: r.summary,
    /** Children done so far, of `total` due when the run started (null for runs from before it was counted). */
    done: r.done,
    total: r.total,
  };
}

export async function retentionRuns(ctx: ServiceContext, signedIn: SignedIn) {
  requireAllowed(canManageRetention(signedIn.actor));
  return (await listRuns(ctx.db)).map(runView);
}

/** One run with its progress, for a screen following a run (perhaps started before a reload, or by another process). */
export async function retentionRun(ctx: ServiceContext, signedIn: SignedIn, runId: string) {
  requireAllowed(canManageRetention(signedIn.actor));
  const row = await findRun(ctx.db, runId);
  if (!row) throw new NotFoundError('retention_run_not_found', 'There is no retention run with this identifier.');
  return runView(row);
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
