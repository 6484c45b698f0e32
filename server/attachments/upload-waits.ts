// A client may send an upload's next request before the answer to the one before (the web client
// keeps two in flight, docs/attachments.md), so the second can reach the server while the first is
// still being written. Rather than refuse it at once with 409 (its offset is ahead of what is
// stored), the server lets it wait for that earlier request, and only that one, to finish; and
// since the two travel on separate connections, the earlier one may reach this point a little
// after it, so a request that finds none waits a moment for one to arrive. Nothing here decides
// what is stored: the append's conditional update still does (appendChunk).

/** How long a request ahead of the upload waits for the request before it to arrive, before it is refused as it would have been. */
export const ARRIVAL_GRACE_MS = 250;
/** Requests of one upload that may wait for an earlier one to arrive at once; more are answered at once. */
const MOST_AWAITING_ARRIVAL = 4;

/** An append being handled: where it will leave the upload, when it holds its database connection (or is done), and when it is done. */
interface InProgress {
  end: number;
  writing: Promise<void>;
  done: Promise<unknown>;
}

/** Appends being handled in this process, by upload. */
const inProgress = new Map<string, InProgress[]>();
/** Requests waiting for an append to arrive, by upload: the offset each waits for, and how to hand it the append. */
const awaitingArrival = new Map<string, { offset: number; wake: (append: InProgress) => void }[]>();

/**
 * Runs `append` (bytes for upload `id` that would leave it at `end`) as an append in progress, so
 * that a request for the bytes right after it can wait for it; `append` calls `writing` once it
 * holds the database connection it will finish on. Call this before the first `await` of the
 * request's handling, so the later request, which arrives after this one, finds it.
 */
export function trackAppend<T>(id: string, end: number, append: (writing: () => void) => Promise<T>): Promise<T> {
  let startedWriting = () => {};
  const writing = new Promise<void>((resolve) => (startedWriting = resolve));
  const done = append(startedWriting);
  const entry: InProgress = { end, writing, done };
  const list = inProgress.get(id) ?? [];
  list.push(entry);
  inProgress.set(id, list);
  for (const waiter of awaitingArrival.get(id) ?? []) if (waiter.offset === end) waiter.wake(entry);
  const forget = () => {
    startedWriting();
    const rest = (inProgress.get(id) ?? []).filter((e) => e !== entry);
    if (rest.length) inProgress.set(id, rest);
    else inProgress.delete(id);
  };
  done.then(forget, forget);
  return done;
}

/**
 * The appends to upload `id` being handled in this process that would leave it at `offset`; with
 * none yet, waits up to ARRIVAL_GRACE_MS for one to arrive. Undefined when there is none (the
 * request before was lost, or went to another server process). `writing` settles once each holds
 * its database connection or is done — a request that opens a transaction only then never holds a
 * connection an earlier append still needs, so a full pool cannot stall them both — and `finished`
 * once each is done, stored or refused.
 */
export async function earlierAppend(
  id: string,
  offset: number,
  graceMs = ARRIVAL_GRACE_MS,
): Promise<{ writing: Promise<void>; finished: Promise<void> } | undefined> {
  const earlier = (inProgress.get(id) ?? []).filter((e) => e.end === offset);
  if (!earlier.length) {
    const arrived = await arrival(id, offset, graceMs);
    if (!arrived) return undefined;
    earlier.push(arrived);
  }
  return {
    writing: Promise.all(earlier.map((e) => e.writing)).then(() => undefined),
    finished: Promise.allSettled(earlier.map((e) => e.done)).then(() => undefined),
  };
}

/** Waits until the earlier appends (`earlierAppend`) are done; whether there were any. */
export async function earlierAppendFinished(id: string, offset: number, graceMs = ARRIVAL_GRACE_MS): Promise<boolean> {
  const earlier = await earlierAppend(id, offset, graceMs);
  await earlier?.finished;
  return earlier !== undefined;
}

/**
 * The append that would leave upload `id` at `offset`, once one starts here; undefined after `ms`
 * without one, or at once when too many requests of this upload already wait.
 */
async function arrival(id: string, offset: number, ms: number): Promise<InProgress | undefined> {
  const waiters = awaitingArrival.get(id) ?? [];
  if (waiters.length >= MOST_AWAITING_ARRIVAL) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const waiter: { offset: number; wake: (append: InProgress) => void } = { offset, wake: () => {} };
  const arrived = new Promise<InProgress | undefined>((resolve) => {
    waiter.wake = resolve;
    timer = setTimeout(() => resolve(undefined), ms);
  });
  waiters.push(waiter);
  awaitingArrival.set(id, waiters);
  try {
    return await arrived;
  } finally {
    clearTimeout(timer);
    const rest = (awaitingArrival.get(id) ?? []).filter((w) => w !== waiter);
    if (rest.length) awaitingArrival.set(id, rest);
    else awaitingArrival.delete(id);
  }
}
