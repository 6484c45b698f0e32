import { describe, expect, it } from 'vitest';
import { earlierAppend, earlierAppendFinished, trackAppend } from '../../server/attachments/upload-waits';

// Which earlier append a chunk request waits for (server/attachments/upload-waits.ts): only one in
// this process that would leave the upload exactly at the request's offset, or one that arrives
// within the grace period; never more than a few requests per upload waiting for one to arrive.

/** An append whose course the test decides: `startWriting` says it holds its connection, `settle` stores it (or refuses it, with an error). */
function controlledAppend(id: string, end: number) {
  let settle: (error?: Error) => void = () => {};
  let startWriting = () => {};
  const done = trackAppend(id, end, (writing) => {
    startWriting = writing;
    return new Promise<string>((resolve, reject) => {
      settle = (error) => (error ? reject(error) : resolve('stored'));
    });
  });
  done.catch(() => undefined);
  return { done, settle: (error?: Error) => settle(error), startWriting: () => startWriting() };
}

const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('waiting for the append before', () => {
  it('waits for an append in progress that ends at the offset, until it is stored', async () => {
    const first = controlledAppend('u1', 100);
    let finished = false;
    const waiting = earlierAppendFinished('u1', 100, 10).then((found) => {
      finished = true;
      return found;
    });
    await later(30);
    expect(finished).toBe(false);
    first.settle();
    expect(await waiting).toBe(true);
    expect(await first.done).toBe('stored');
  });

  it('also when that append is refused, which its own caller still hears', async () => {
    const first = controlledAppend('u2', 100);
    const waiting = earlierAppendFinished('u2', 100, 10);
    first.settle(new Error('refused'));
    expect(await waiting).toBe(true);
    await expect(first.done).rejects.toThrow('refused');
  });

  it('does not wait for an append that ends elsewhere, nor one of another upload, beyond the grace period', async () => {
    const elsewhere = controlledAppend('u3', 50);
    const otherUpload = controlledAppend('u4', 100);
    const started = performance.now();
    expect(await earlierAppendFinished('u3', 100, 20)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
    elsewhere.settle();
    otherUpload.settle();
  });

  it('waits for one that arrives within the grace period, then for it to finish', async () => {
    const waiting = earlierAppendFinished('u5', 100, 1000);
    await later(20);
    const arriving = controlledAppend('u5', 100);
    await later(20);
    arriving.settle();
    expect(await waiting).toBe(true);
  });

  it('forgets an append once it is done: a request after it does not wait for it', async () => {
    const first = controlledAppend('u6', 100);
    first.settle();
    await first.done;
    expect(await earlierAppendFinished('u6', 100, 10)).toBe(false);
  });

  it('says when the earlier append holds its connection, before it is done, and at the latest when it is done', async () => {
    const first = controlledAppend('u8', 100);
    const earlier = await earlierAppend('u8', 100, 10);
    if (!earlier) throw new Error('the append in progress was not found');
    const seen: string[] = [];
    void earlier.writing.then(() => seen.push('writing'));
    void earlier.finished.then(() => seen.push('finished'));
    await later(20);
    expect(seen).toEqual([]);
    first.startWriting();
    await later(5);
    expect(seen).toEqual(['writing']);
    first.settle();
    await later(5);
    expect(seen).toEqual(['writing', 'finished']);

    // One refused before it ever held a connection counts as writing once it is done.
    const refused = controlledAppend('u9', 100);
    const behind = await earlierAppend('u9', 100, 10);
    refused.settle(new Error('refused'));
    await behind?.writing;
    await behind?.finished;
  });

  it('lets at most four requests of one upload wait for an arrival; a fifth is answered at once', async () => {
    const waiting = Array.from({ length: 4 }, () => earlierAppendFinished('u7', 100, 60_000));
    const started = performance.now();
    expect(await earlierAppendFinished('u7', 100, 60_000)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
    // The four still wait, and all go on once the append arrives and is stored.
    const arriving = controlledAppend('u7', 100);
    arriving.settle();
    expect(await Promise.all(waiting)).toEqual([true, true, true, true]);
  });
});
